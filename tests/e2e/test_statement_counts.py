"""A page of orders costs a fixed number of SQL statements, whatever its size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from httpx import AsyncClient
from strawberry.dataloader import DataLoader

from bootstrap import Services
from resolvers.common import loaders
from tests.support.factories import create_order, create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import order_input
from tests.support.statements import StatementLog

NESTED_ORDERS = """
query ($first: Int!) {
  orders(first: $first) {
    totalCount
    edges { cursor node {
      id number status total { amount currency }
      member { id name }
      items { quantity unitPrice { amount } lineTotal { amount }
              product { id title price { amount } stock { available reserved } } }
      payment { status amount { amount } attempts }
      delivery { status trackingNumber events { status location occurredAt } }
      history { status occurredAt }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LEVELS = (
    "orders",  # the page
    "orders",  # totalCount
    "order_item",
    "product",
    "payment",
    "delivery",
    "delivery_event",
    "order_event",
)


@dataclass(frozen=True)
class Shopper:
    token: str
    product_ids: list[int]


@pytest.fixture(scope="module")
async def shopper(services: Services) -> Shopper:
    """A member known from an earlier request, with 50 orders of 3 lines over 6 books."""
    member_id = random_member_id()
    token = token_for(services.settings.effective_jwt_secret, member_id)
    await services.members.remember(services.verifier(token).member)
    products = [await create_product(services.engine) for _ in range(6)]
    for i in range(50):
        await create_order(
            services.engine, member_id=member_id, product_ids=products[i % 4 : i % 4 + 3]
        )
    return Shopper(token=token, product_ids=products)


async def _fetch(client: AsyncClient, shopper: Shopper, first: int) -> None:
    body = await graphql(client, NESTED_ORDERS, {"first": first}, token=shopper.token)
    assert "errors" not in body, body
    assert len(body["data"]["orders"]["edges"]) == first


@pytest.mark.parametrize("first", [1, 10, 50])
async def test_a_page_costs_one_statement_per_level_whatever_its_size(
    client: AsyncClient, services: Services, statements: StatementLog, shopper: Shopper, first: int
) -> None:
    await services.products_changed(list(shopper.product_ids))
    statements.clear()

    await _fetch(client, shopper, first)

    assert statements.count() == len(LEVELS), statements.statements
    for table in set(LEVELS):
        assert len(statements.touching(table)) == LEVELS.count(table), table


async def test_a_known_member_costs_no_statement(
    client: AsyncClient, statements: StatementLog, shopper: Shopper
) -> None:
    await _fetch(client, shopper, 10)

    assert statements.touching("member") == []


async def test_products_come_from_the_cache_the_second_time(
    client: AsyncClient, services: Services, statements: StatementLog, shopper: Shopper
) -> None:
    await services.products_changed(list(shopper.product_ids))
    await _fetch(client, shopper, 50)
    assert len(statements.touching("product")) == 1
    statements.clear()

    await _fetch(client, shopper, 50)

    assert statements.touching("product") == []
    assert statements.count() == len(LEVELS) - 1


@pytest.mark.in_process
async def test_every_field_the_look_ahead_names_finds_its_value_loaded(
    client: AsyncClient, shopper: Shopper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ORDER_LOOK_AHEAD is keyed on the fields themselves: with it, no field below a page of
    orders waits for a load of its own (take an entry out of it, and that field does)."""
    waited: list[object] = []
    load_later = loaders._later

    def counted(future: Awaitable[object], shape: Callable[[object], object]) -> object:
        waited.append(shape)
        return load_later(future, shape)

    monkeypatch.setattr(loaders, "_later", counted)

    await _fetch(client, shopper, 10)

    assert waited == []


async def test_a_read_by_keys_is_the_same_statement_whatever_the_number_of_keys(
    client: AsyncClient, services: Services, statements: StatementLog, shopper: Shopper
) -> None:
    """The keys are one array parameter (`= ANY`), not an IN list rendered again for each count:
    SQLAlchemy builds nothing per request and asyncpg prepares each statement once."""
    texts: list[list[str]] = []
    for first in (1, 10):
        await services.products_changed(list(shopper.product_ids))
        statements.clear()
        await _fetch(client, shopper, first)
        texts.append(list(statements.statements))

    assert texts[0] == texts[1]


@pytest.mark.in_process
async def test_the_values_loaded_ahead_are_read_without_a_future_each(
    client: AsyncClient, shopper: Shopper, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page's look-ahead loads each level in one call and keeps the values by key, and the
    fields below read them there: no DataLoader future at all, whatever the page's size (a
    page of 50 made about 420)."""
    futures: list[object] = []
    load = DataLoader.load

    def counted(loader: DataLoader[object, object], key: object) -> object:
        futures.append(key)
        return load(loader, key)

    monkeypatch.setattr(DataLoader, "load", counted)

    for first in (1, 10):
        await _fetch(client, shopper, first)

    assert futures == []


PLACE_ORDER = """
mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id number status total { amount } } errors { code } }
}
"""

PLACE_ORDER_TABLES = ("product", "orders", "order_item", "order_event", "outbox")
"""The prices of the moment; the order, its lines, its first history entry, its message."""


async def test_placing_an_order_is_one_statement_and_no_read_back(
    client: AsyncClient, statements: StatementLog, shopper: Shopper
) -> None:
    lines = [(product, 1) for product in shopper.product_ids[:3]]
    await _fetch(client, shopper, 1)  # the member is known
    statements.clear()

    body = await graphql(client, PLACE_ORDER, {"input": order_input(lines)}, token=shopper.token)

    assert body["data"]["placeOrder"]["errors"] == [], body
    assert body["data"]["placeOrder"]["order"]["status"] == "PENDING"
    [statement] = statements.statements
    for table in PLACE_ORDER_TABLES:
        assert statements.touching(table) == [statement], table
    assert "pg_notify" in statement


AFTER_THE_ORDER = """
query ($first: Int!) {
  orders(first: $first) {
    edges { node {
      id status
      availableActions { action available reasonCode }
      timeline { kind occurredAt message place scan }
    } }
  }
}
"""

AFTER_THE_ORDER_LEVELS = (
    "orders",
    "order_event",
    "payment_event",
    "delivery",
    "return_scan",
    "delivery_event",
)
"""The page, then each source of the timeline once (what may be done needs nothing more of
an order that is not delivered). A page whose orders have no parcel yet (the newest may be one
placed by a test above) reads no parcel events."""


@pytest.mark.parametrize("first", [1, 10, 50])
async def test_a_page_of_timelines_and_actions_costs_one_statement_per_source(
    client: AsyncClient, statements: StatementLog, shopper: Shopper, first: int
) -> None:
    await _fetch(client, shopper, 1)  # the member is known
    statements.clear()

    body = await graphql(client, AFTER_THE_ORDER, {"first": first}, token=shopper.token)

    assert "errors" not in body, body
    assert len(body["data"]["orders"]["edges"]) == first
    touched = [table for table in AFTER_THE_ORDER_LEVELS if statements.touching(table)]
    assert statements.count() == len(touched), statements.statements
    assert all(len(statements.touching(table)) == 1 for table in touched)
    if first > 1:
        assert touched == list(AFTER_THE_ORDER_LEVELS)
