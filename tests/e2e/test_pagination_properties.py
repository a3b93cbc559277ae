"""Walking every page, whatever the page size, yields each row exactly once, in list order."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api_app import create_app
from bootstrap import Services
from infrastructure.database.types import utc_now
from resolvers.common.ids import to_global_id
from tests.support.factories import create_order, create_product, random_member_id, token_for
from tests.support.graphql import graphql

ORDER_PAGE = """
query ($first: Int!, $after: String) {
  orders(first: $first, after: $after) {
    edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""
PRODUCT_PAGE = """
query ($first: Int!, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    edges { node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True)
class Listing:
    token: str
    order_ids: list[str]
    """Newest first, ties on created_at broken by id, descending."""
    search: str
    product_ids: list[str]


@pytest.fixture(scope="module")
async def module_client(services: Services) -> AsyncIterator[AsyncClient]:
    app = create_app(services)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client


@pytest.fixture(scope="module")
async def listing(services: Services, module_client: AsyncClient) -> Listing:
    member_id = random_member_id()
    token = token_for(services.settings.effective_jwt_secret, member_id)
    await graphql(module_client, "{ me { id } }", token=token)
    search = f"pg{secrets.token_hex(4)}"
    products = [await create_product(services.engine, title=f"{search} {i}") for i in range(23)]
    same_instant = utc_now()
    orders = [
        # groups of three share a timestamp, so the id must break the tie
        await create_order(
            services.engine,
            member_id=member_id,
            product_ids=[products[i]],
            created_at=same_instant.replace(microsecond=0) - timedelta(minutes=i // 3),
        )
        for i in range(23)
    ]
    ordered = sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)
    return Listing(
        token=token,
        order_ids=[to_global_id("Order", o.id) for o in ordered],
        search=search,
        product_ids=[to_global_id("Product", p) for p in sorted(products)],
    )


async def _walk(
    client: AsyncClient, query: str, field: str, first: int, token: str | None, **variables: Any
) -> list[str]:
    seen: list[str] = []
    after: str | None = None
    for _ in range(200):
        body = await graphql(
            client, query, {"first": first, "after": after, **variables}, token=token
        )
        connection = body["data"][field]
        assert len(connection["edges"]) <= first
        seen.extend(edge["node"]["id"] for edge in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


@settings(max_examples=15, deadline=None)
@given(first=st.integers(min_value=1, max_value=30))
async def test_walking_order_pages_yields_each_order_once_in_order(
    module_client: AsyncClient, listing: Listing, first: int
) -> None:
    walked = await _walk(module_client, ORDER_PAGE, "orders", first, listing.token)
    assert walked == listing.order_ids


@settings(max_examples=15, deadline=None)
@given(first=st.integers(min_value=1, max_value=30))
async def test_walking_product_pages_yields_each_product_once_in_order(
    module_client: AsyncClient, listing: Listing, first: int
) -> None:
    walked = await _walk(
        module_client, PRODUCT_PAGE, "products", first, None, search=listing.search
    )
    assert walked == listing.product_ids
