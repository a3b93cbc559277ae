"""Reading orders over HTTP: who may see what, nested fields, filters and paging errors."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient

from bootstrap import Services
from domain.member import Role
from domain.status import OrderStatus
from infrastructure.database.types import utc_now
from resolvers.common.ids import to_global_id
from tests.support.factories import (
    CreatedOrder,
    create_member,
    create_order,
    create_product,
    random_member_id,
    token_for,
)
from tests.support.graphql import error_codes, graphql

ORDER = """
query ($id: ID!) {
  order(id: $id) {
    id number status cancelReason createdAt updatedAt
    total { amount currency }
    shippingAddress { recipient phone zipCode line1 line2 }
    member { id name email }
    items {
      id quantity unitPrice { amount currency } lineTotal { amount }
      product { id isbn title author publisher price { amount } stock { available reserved } }
    }
    payment { id status amount { amount } transactionId attempts approvedAt }
    delivery { id status carrier trackingNumber events { status location occurredAt } }
    history { status occurredAt message }
  }
}
"""

ORDER_IDS = """
query ($first: Int, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def _token(services: Services, member_id: str, role: Role = Role.CUSTOMER) -> str:
    return token_for(services.settings.effective_jwt_secret, member_id, role)


async def test_the_owner_reads_the_whole_order_tree(
    client: AsyncClient, services: Services
) -> None:
    member_id = random_member_id()
    token = _token(services, member_id)
    await graphql(client, "{ me { id } }", token=token)
    product_ids = [await create_product(services.engine, price=15000) for _ in range(2)]
    order = await create_order(services.engine, member_id=member_id, product_ids=product_ids)

    body = await graphql(client, ORDER, {"id": to_global_id("Order", order.id)}, token=token)

    assert "errors" not in body, body
    found = body["data"]["order"]
    assert found["id"] == to_global_id("Order", order.id)
    assert found["status"] == "PREPARING"
    assert found["member"] == {
        "id": to_global_id("Member", member_id),
        "name": f"Name of {member_id}",
        "email": None,
    }
    assert [i["product"]["id"] for i in found["items"]] == [
        to_global_id("Product", p) for p in product_ids
    ]
    assert found["items"][0]["unitPrice"] == {"amount": 12000, "currency": "KRW"}
    assert found["total"] == {"amount": 24000, "currency": "KRW"}
    assert found["payment"]["status"] == "APPROVED"
    assert found["delivery"]["carrier"] == "CJ Logistics"
    assert [e["status"] for e in found["delivery"]["events"]] == ["PREPARING", "PICKED_UP"]
    assert [h["status"] for h in found["history"]] == ["PENDING", "STOCK_RESERVED", "PAID"]
    assert found["shippingAddress"]["recipient"] == "홍길동"


async def test_another_members_order_reads_as_not_found(
    client: AsyncClient, services: Services
) -> None:
    owner, stranger = random_member_id(), random_member_id()
    await graphql(client, "{ me { id } }", token=_token(services, owner))
    order = await create_order(
        services.engine, member_id=owner, product_ids=[await create_product(services.engine)]
    )
    order_id = to_global_id("Order", order.id)

    as_stranger = await graphql(client, ORDER, {"id": order_id}, token=_token(services, stranger))
    as_staff = await graphql(
        client, ORDER, {"id": order_id}, token=_token(services, "staff-1", Role.STAFF)
    )

    assert as_stranger["data"] == {"order": None}
    assert as_staff["data"]["order"]["id"] == order_id
    node = await graphql(
        client,
        "query ($id: ID!) { node(id: $id) { id } }",
        {"id": order_id},
        token=_token(services, stranger),
    )
    assert node["data"] == {"node": None}


async def test_a_customer_lists_only_its_own_orders(
    client: AsyncClient, services: Services
) -> None:
    mine, theirs = random_member_id(), random_member_id()
    for member in (mine, theirs):
        await graphql(client, "{ me { id } }", token=_token(services, member))
    product = await create_product(services.engine)
    own = [await create_order(services.engine, member_id=mine, product_ids=[product]) for _ in "ab"]
    await create_order(services.engine, member_id=theirs, product_ids=[product])

    body = await graphql(client, ORDER_IDS, {"first": 10}, token=_token(services, mine))

    listed = [e["node"]["id"] for e in body["data"]["orders"]["edges"]]
    assert listed == [to_global_id("Order", o.id) for o in reversed(own)]
    assert body["data"]["orders"]["totalCount"] == 2

    refused = await graphql(
        client,
        ORDER_IDS,
        {"filter": {"memberId": to_global_id("Member", theirs)}},
        token=_token(services, mine),
    )
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_staff_filters_by_member_status_and_time(
    client: AsyncClient, services: Services
) -> None:
    member = random_member_id()
    await graphql(client, "{ me { id } }", token=_token(services, member))
    product = await create_product(services.engine)
    now = utc_now()
    old = await create_order(
        services.engine, member_id=member, product_ids=[product], created_at=now - timedelta(days=3)
    )
    new = await create_order(services.engine, member_id=member, product_ids=[product])
    cancelled = await create_order(
        services.engine, member_id=member, product_ids=[product], status=OrderStatus.CANCELLED
    )
    staff = _token(services, "staff-2", Role.STAFF)
    member_filter = {"memberId": to_global_id("Member", member)}

    def ids(body: dict[str, object]) -> set[str]:
        data = body["data"]
        assert isinstance(data, dict)
        return {e["node"]["id"] for e in data["orders"]["edges"]}

    everything = await graphql(client, ORDER_IDS, {"filter": member_filter}, token=staff)
    by_status = await graphql(
        client, ORDER_IDS, {"filter": {**member_filter, "status": ["CANCELLED"]}}, token=staff
    )
    recent = await graphql(
        client,
        ORDER_IDS,
        {"filter": {**member_filter, "createdAfter": (now - timedelta(days=1)).isoformat()}},
        token=staff,
    )
    by_raw_id = await graphql(client, ORDER_IDS, {"filter": {"memberId": member}}, token=staff)

    def gid(order: CreatedOrder) -> str:
        return to_global_id("Order", order.id)

    assert ids(everything) == {gid(old), gid(new), gid(cancelled)}
    assert ids(by_status) == {gid(cancelled)}
    assert ids(recent) == {gid(new), gid(cancelled)}
    assert ids(by_raw_id) == ids(everything)


async def test_a_filter_takes_every_moment_that_can_be_held_in_utc_and_refuses_the_rest(
    client: AsyncClient, services: Services
) -> None:
    member = await create_member(services.engine)
    token = _token(services, member)
    order = await create_order(
        services.engine, member_id=member, product_ids=[await create_product(services.engine)]
    )
    widest = {
        "createdAfter": "0001-01-01T00:00:00Z",
        "createdBefore": "9999-12-31T23:59:59.999999Z",
    }
    earliest_in_seoul = {"createdAfter": "0001-01-01T09:00:00+09:00"}
    just_before_it = {"createdAfter": "0001-01-01T08:59:59.999999+09:00"}

    everything = await graphql(client, ORDER_IDS, {"filter": widest}, token=token)
    from_seoul = await graphql(client, ORDER_IDS, {"filter": earliest_in_seoul}, token=token)
    too_early = await graphql(client, ORDER_IDS, {"filter": just_before_it}, token=token)

    assert [e["node"]["id"] for e in everything["data"]["orders"]["edges"]] == [
        to_global_id("Order", order.id)
    ]
    assert from_seoul["data"]["orders"]["totalCount"] == 1
    assert error_codes(too_early) == ["INVALID_INPUT"]
    assert "range" in too_early["errors"][0]["message"]


async def test_orders_need_a_token(client: AsyncClient) -> None:
    body = await graphql(client, ORDER_IDS)
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_page_size_and_cursor_errors_are_clear(
    client: AsyncClient, services: Services
) -> None:
    token = _token(services, random_member_id())

    too_many = await graphql(client, ORDER_IDS, {"first": 101}, token=token)
    negative = await graphql(client, ORDER_IDS, {"first": -1}, token=token)
    bad_cursor = await graphql(client, ORDER_IDS, {"after": "bm9wZQ"}, token=token)

    assert error_codes(too_many) == ["INVALID_INPUT"]
    assert "at most 100" in too_many["errors"][0]["message"]
    assert error_codes(negative) == ["INVALID_INPUT"]
    assert error_codes(bad_cursor) == ["INVALID_INPUT"]
    assert "cursor" in bad_cursor["errors"][0]["message"]


async def test_me_lists_the_members_own_orders(client: AsyncClient, services: Services) -> None:
    member = random_member_id()
    token = _token(services, member)
    await graphql(client, "{ me { id } }", token=token)
    product = await create_product(services.engine)
    orders = [
        await create_order(services.engine, member_id=member, product_ids=[product])
        for _ in range(3)
    ]

    body = await graphql(
        client,
        "{ me { id name orders(first: 2) { totalCount edges { node { id } } "
        "pageInfo { hasNextPage } } } }",
        token=token,
    )

    me = body["data"]["me"]
    assert me["id"] == to_global_id("Member", member)
    assert me["orders"]["totalCount"] == 3
    assert [e["node"]["id"] for e in me["orders"]["edges"]] == [
        to_global_id("Order", o.id) for o in reversed(orders[1:])
    ]
    assert me["orders"]["pageInfo"]["hasNextPage"] is True
    anonymous = await graphql(client, "{ me { id } }")
    assert anonymous["data"] == {"me": None}
