"""Customer service's order search over HTTP: staff only, bad criteria named, pages walked."""

from __future__ import annotations

import secrets
from datetime import timedelta

from httpx import AsyncClient

from bootstrap import Services
from domain.member import Role
from infrastructure.database.types import utc_now
from resolvers.common.ids import to_global_id
from tests.support.factories import (
    create_member,
    create_order,
    create_product,
    random_member_id,
    token_for,
)
from tests.support.graphql import error_codes, graphql

SEARCH = """
query ($criteria: OrderSearchInput!, $first: Int, $after: String) {
  searchOrders(criteria: $criteria, first: $first, after: $after) {
    edges { cursor node { id number shippingAddress { recipient } items { product { isbn } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _token(services: Services, role: Role) -> str:
    return token_for(services.settings.effective_jwt_secret, random_member_id(), role)


async def test_staff_walk_every_page_of_a_search_once_newest_first(
    client: AsyncClient, services: Services
) -> None:
    recipient = f"검색{secrets.token_hex(3)}"
    product = await create_product(services.engine)
    member_id = await create_member(services.engine)
    now = utc_now().replace(microsecond=0)
    orders = [
        await create_order(
            services.engine,
            member_id=member_id,
            product_ids=[product],
            recipient=recipient,
            created_at=now - timedelta(minutes=i // 2),  # pairs share an instant
        )
        for i in range(7)
    ]
    expected = [
        to_global_id("Order", o.id)
        for o in sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)
    ]
    token = _token(services, Role.STAFF)

    walked: list[str] = []
    after = None
    for _ in range(10):
        variables = {"criteria": {"recipient": recipient[1:]}, "first": 2, "after": after}
        body = await graphql(client, SEARCH, variables, token=token)
        page = body["data"]["searchOrders"]
        walked.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert walked == expected


async def test_a_customer_is_refused_and_an_anonymous_caller_asked_to_sign_in(
    client: AsyncClient, services: Services
) -> None:
    criteria = {"criteria": {"phone": "010-1234-5678"}}
    as_customer = await graphql(client, SEARCH, criteria, token=_token(services, Role.CUSTOMER))
    anonymous = await graphql(client, SEARCH, criteria)

    assert (as_customer["data"], error_codes(as_customer)) == (None, ["FORBIDDEN"])
    assert (anonymous["data"], error_codes(anonymous)) == (None, ["UNAUTHENTICATED"])


async def test_a_bad_criterion_is_invalid_input_naming_it(
    client: AsyncClient, services: Services
) -> None:
    body = await graphql(
        client,
        SEARCH,
        {"criteria": {"isbn": "9791234567890", "phone": "010-CALL-ME"}},
        token=_token(services, Role.STAFF),
    )

    assert error_codes(body) == ["INVALID_INPUT"]
    fields = [part.split(":")[0] for part in body["errors"][0]["message"].split("; ")]
    assert fields == ["criteria.phone", "criteria.isbn"]
