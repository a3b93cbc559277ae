"""The mutations of the contract: every refusal is a UserError with a path, and writes nothing."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from bootstrap import Services
from domain.member import Role
from domain.order import Order
from infrastructure.database.tables import order_table, outbox_table
from resolvers.common.ids import order_key, to_global_id
from tests.support.factories import create_product, random_isbn, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import ADDRESS, PLACE_ORDER, order_input, place, place_ok, read_order

CREATE_PRODUCT = """
mutation ($input: CreateProductInput!) {
  createProduct(input: $input) {
    product { id isbn title price { amount } stock { available reserved } }
    errors { code field message }
  }
}
"""
ADJUST_STOCK = """
mutation ($id: ID!, $delta: Int!) {
  adjustStock(productId: $id, delta: $delta) {
    product { stock { available } } errors { code field message }
  }
}
"""
CANCEL = """
mutation ($id: ID!, $reason: String) {
  cancelOrder(id: $id, reason: $reason) {
    order { id status cancelReason history { status message } } errors { code field message }
  }
}
"""


@pytest.fixture
def customer(services: Services) -> str:
    return token_for(services.settings.effective_jwt_secret, random_member_id())


@pytest.fixture
def staff(services: Services) -> str:
    return token_for(services.settings.effective_jwt_secret, "staff-ops", Role.STAFF)


async def _counts(services: Services) -> tuple[int, int]:
    async with services.engine.connect() as conn:
        orders = (await conn.execute(select(func.count()).select_from(order_table))).scalar_one()
        outbox = (await conn.execute(select(func.count()).select_from(outbox_table))).scalar_one()
    return int(orders), int(outbox)


def _errors(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def test_place_order_answers_pending_and_writes_order_lines_history_and_outbox(
    client: AsyncClient, services: Services, customer: str
) -> None:
    books = [await create_product(services.engine, price=p) for p in (15000, 22000)]
    before = await _counts(services)

    payload = await place(client, customer, [(books[0], 1), (books[1], 2), (books[0], 2)])

    assert payload["errors"] == []
    order = payload["order"]
    assert order["status"] == "PENDING"
    assert order["total"] == {"amount": 15000 * 3 + 22000 * 2}
    # repeated products are merged into one line
    assert sorted((i["product"]["id"], i["quantity"]) for i in order["items"]) == sorted(
        [(to_global_id("Product", books[0]), 3), (to_global_id("Product", books[1]), 2)]
    )
    assert await _counts(services) == (before[0] + 1, before[1] + 1)
    async with services.engine.connect() as conn:
        row = (
            await conn.execute(
                select(outbox_table).where(outbox_table.c.order_id == order_key(order["id"]))
            )
        ).one()
    assert row.routing_key == "order.placed"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"items": []}, [("INVALID_INPUT", ["input", "items"])]),
        ({"quantity": 0}, [("INVALID_INPUT", ["input", "items", "0", "quantity"])]),
        ({"quantity": 100}, [("INVALID_INPUT", ["input", "items", "0", "quantity"])]),
        ({"product": "nope"}, [("INVALID_INPUT", ["input", "items", "0", "productId"])]),
        (
            {"product": to_global_id("Product", 10**9)},
            [("NOT_FOUND", ["input", "items", "0", "productId"])],
        ),
        (
            {"address": {**ADDRESS, "recipient": " "}},
            [("INVALID_INPUT", ["input", "shippingAddress", "recipient"])],
        ),
        (
            {"address": {**ADDRESS, "line1": "x" * 201}},
            [("INVALID_INPUT", ["input", "shippingAddress", "line1"])],
        ),
        (
            {"address": {**ADDRESS, "line2": "3\x00층"}},
            [("INVALID_INPUT", ["input", "shippingAddress", "line2"])],
        ),
        (
            {"address": {**ADDRESS, "phone": "call me"}},
            [("INVALID_INPUT", ["input", "shippingAddress", "phone"])],
        ),
        (
            {"address": {**ADDRESS, "zipCode": "1234"}},
            [("INVALID_INPUT", ["input", "shippingAddress", "zipCode"])],
        ),
        ({"token": "tok ok!"}, [("INVALID_INPUT", ["input", "payment", "token"])]),
        ({"key": "k" * 256}, [("INVALID_INPUT", ["input", "idempotencyKey"])]),
    ],
)
async def test_bad_input_is_refused_with_its_path_and_nothing_is_written(
    client: AsyncClient,
    services: Services,
    customer: str,
    change: dict[str, Any],
    expected: list[tuple[str, list[str]]],
) -> None:
    book = await create_product(services.engine)
    variables = order_input(
        [(book, int(change.get("quantity", 1)))],
        token=change.get("token", "tok_ok"),
        key=change.get("key"),
        address=change.get("address"),
    )
    if "items" in change:
        variables["items"] = change["items"]
    if "product" in change:
        variables["items"][0]["productId"] = change["product"]
    before = await _counts(services)

    body = await graphql(client, PLACE_ORDER, {"input": variables}, token=customer)

    payload = body["data"]["placeOrder"]
    assert payload["order"] is None
    assert _errors(payload) == expected
    assert all(e["message"] for e in payload["errors"])
    assert await _counts(services) == before


async def test_more_than_50_lines_is_refused(
    client: AsyncClient, services: Services, customer: str
) -> None:
    book = await create_product(services.engine)
    payload = await place(client, customer, [(book, 1)] * 51)
    assert _errors(payload) == [("INVALID_INPUT", ["input", "items"])]


async def test_merged_quantities_above_99_are_refused(
    client: AsyncClient, services: Services, customer: str
) -> None:
    book = await create_product(services.engine)
    payload = await place(client, customer, [(book, 60), (book, 40)])
    assert _errors(payload) == [("INVALID_INPUT", ["input", "items", "1", "quantity"])]


async def test_placing_needs_a_token(client: AsyncClient, services: Services) -> None:
    book = await create_product(services.engine)
    body = await graphql(client, PLACE_ORDER, {"input": order_input([(book, 1)])})
    assert _errors(body["data"]["placeOrder"]) == [("UNAUTHENTICATED", None)]


async def test_the_same_key_returns_the_first_order_and_other_lines_conflict(
    client: AsyncClient, services: Services, customer: str
) -> None:
    books = [await create_product(services.engine) for _ in range(2)]
    key = f"key-{secrets.token_hex(4)}"

    first = await place_ok(client, customer, [(books[0], 1)], key=key)
    again = await place_ok(client, customer, [(books[0], 1)], key=key)
    other = await place(client, customer, [(books[1], 1)], key=key)
    someone_else = await place_ok(
        client,
        token_for(services.settings.effective_jwt_secret, random_member_id()),
        [(books[0], 1)],
        key=key,
    )

    assert again == first
    assert _errors(other) == [("CONFLICT", ["input", "idempotencyKey"])]
    assert someone_else != first


async def test_twenty_identical_requests_at_once_make_one_order(
    client: AsyncClient, services: Services, customer: str
) -> None:
    book = await create_product(services.engine)
    key = f"race-{secrets.token_hex(4)}"
    before = await _counts(services)

    results = await asyncio.gather(
        *(place_ok(client, customer, [(book, 2)], key=key) for _ in range(20))
    )

    assert len(set(results)) == 1
    assert await _counts(services) == (before[0] + 1, before[1] + 1)


async def test_create_product_checks_the_isbn_and_is_staff_only(
    client: AsyncClient, customer: str, staff: str
) -> None:
    isbn = random_isbn()
    good = {
        "isbn": isbn,
        "title": "소년이 온다",
        "author": "한강",
        "price": 15000,
        "initialStock": 3,
    }

    created = await graphql(client, CREATE_PRODUCT, {"input": good}, token=staff)
    duplicate = await graphql(client, CREATE_PRODUCT, {"input": good}, token=staff)
    bad_digit = await graphql(
        client,
        CREATE_PRODUCT,
        {"input": {**good, "isbn": isbn[:12] + str((int(isbn[12]) + 1) % 10)}},
        token=staff,
    )
    as_customer = await graphql(client, CREATE_PRODUCT, {"input": good}, token=customer)
    bad_fields = await graphql(
        client,
        CREATE_PRODUCT,
        {"input": {**good, "isbn": random_isbn(), "title": "", "price": 0, "initialStock": -1}},
        token=staff,
    )

    product = created["data"]["createProduct"]["product"]
    assert product["stock"] == {"available": 3, "reserved": 0}
    assert product["price"] == {"amount": 15000}
    assert _errors(duplicate["data"]["createProduct"]) == [("CONFLICT", ["input", "isbn"])]
    assert _errors(bad_digit["data"]["createProduct"]) == [("INVALID_INPUT", ["input", "isbn"])]
    assert _errors(as_customer["data"]["createProduct"]) == [("FORBIDDEN", None)]
    assert _errors(bad_fields["data"]["createProduct"]) == [
        ("INVALID_INPUT", ["input", "title"]),
        ("INVALID_INPUT", ["input", "price"]),
        ("INVALID_INPUT", ["input", "initialStock"]),
    ]


async def test_adjust_stock_refuses_going_below_zero_and_refreshes_the_cache(
    client: AsyncClient, services: Services, staff: str
) -> None:
    book = await create_product(services.engine, available=5)
    gid = to_global_id("Product", book)
    await graphql(client, "query ($id: ID!) { product(id: $id) { id } }", {"id": gid})  # cached

    added = await graphql(client, ADJUST_STOCK, {"id": gid, "delta": 7}, token=staff)
    too_many = await graphql(client, ADJUST_STOCK, {"id": gid, "delta": -13}, token=staff)
    removed = await graphql(client, ADJUST_STOCK, {"id": gid, "delta": -12}, token=staff)
    read = await graphql(
        client, "query ($id: ID!) { product(id: $id) { stock { available } } }", {"id": gid}
    )

    assert added["data"]["adjustStock"]["product"]["stock"] == {"available": 12}
    assert _errors(too_many["data"]["adjustStock"]) == [("INVALID_STATE", ["delta"])]
    assert removed["data"]["adjustStock"]["product"]["stock"] == {"available": 0}
    assert read["data"]["product"]["stock"] == {"available": 0}


async def test_only_the_owner_or_staff_cancels_a_pending_order(
    client: AsyncClient, services: Services, customer: str, staff: str
) -> None:
    book = await create_product(services.engine)
    order_id = await place_ok(client, customer, [(book, 1)])
    gid = to_global_id("Order", order_id)
    stranger = token_for(services.settings.effective_jwt_secret, random_member_id())

    by_stranger = await graphql(client, CANCEL, {"id": gid}, token=stranger)
    by_owner = await graphql(
        client, CANCEL, {"id": gid, "reason": "changed my mind"}, token=customer
    )
    control = await graphql(client, CANCEL, {"id": gid, "reason": "\x00"}, token=customer)
    again = await graphql(client, CANCEL, {"id": gid}, token=staff)

    assert _errors(by_stranger["data"]["cancelOrder"]) == [("NOT_FOUND", ["id"])]
    assert _errors(control["data"]["cancelOrder"]) == [("INVALID_INPUT", ["reason"])]
    cancelled = by_owner["data"]["cancelOrder"]["order"]
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "CUSTOMER_REQUEST")
    assert cancelled["history"][-1] == {"status": "CANCELLED", "message": "changed my mind"}
    assert again["data"]["cancelOrder"]["errors"] == []
    order: Order = await read_order(services, order_id)
    assert order.status.value == "CANCELLED"


@pytest.mark.in_process  # patches this process
async def test_an_order_number_drawn_twice_is_drawn_again(
    client: AsyncClient, services: Services, customer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = await create_product(services.engine)
    taken = f"20261124-{secrets.token_hex(4).upper()}"
    draws = iter([taken, taken, f"{taken}X"])
    monkeypatch.setattr("domain.ordering.new_order_number", lambda _now: next(draws))

    first = await place(client, customer, [(book, 1)])
    second = await place(client, customer, [(book, 1)])

    assert first["order"]["number"] == taken
    assert second["errors"] == []
    assert second["order"]["number"] == f"{taken}X"
