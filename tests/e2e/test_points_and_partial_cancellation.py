"""Points and 부분취소 on the real services (issue 17): points earned at DELIVERED and once, an
order paid half in points cancelled, a line of three cancelled, two cancellations of one line
at once, and none after pickup. The relay and the workers run; the carrier's reports are posted
to its webhook by the test, so the order stands where the test needs it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select, update

from bootstrap import Services
from domain.catalogue import StockLevel
from domain.status import OrderStatus, PaymentStatus
from infrastructure.database.tables import (
    delivery_event_table,
    delivery_table,
    outbox_table,
    simulated_charge_table,
)
from resolvers.common.ids import order_key, to_global_id
from tests.support.carrier import carrier_event, post_carrier_event
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import (
    give_points,
    order_input,
    read_order,
    settled,
    stock_level,
    unpublished,
)
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually

POINTS = "{ me { points { balance entries(first: 100) { edges { node { amount reason } } } } } }"
PLACE = """
mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id pointsUsed amountCharged { amount } } errors { code } }
}
"""
CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }"
CANCEL_LINES = """
mutation ($id: ID!, $lines: [OrderLineInput!]!) {
  cancelOrderLines(id: $id, lines: $lines) {
    order {
      status total { amount } subtotal { amount } shippingFee { amount } amountCharged { amount }
      items { quantity product { id } }
    }
    errors { code field message }
  }
}
"""


class Member:
    def __init__(self, services: Services) -> None:
        self.id = random_member_id()
        self.token = token_for(services.settings.effective_jwt_secret, self.id)


@pytest.fixture
def member(services: Services) -> Member:
    return Member(services)


async def _points(client: AsyncClient, member: Member) -> tuple[int, list[tuple[int, str]]]:
    """The balance, and the entries newest first as (amount, reason)."""
    body = await graphql(client, POINTS, token=member.token)
    points = body["data"]["me"]["points"]
    entries = [(e["node"]["amount"], e["node"]["reason"]) for e in points["entries"]["edges"]]
    return points["balance"], entries


async def _place(
    client: AsyncClient, member: Member, lines: list[tuple[int, int]], points: int = 0
) -> uuid.UUID:
    body = await graphql(
        client, PLACE, {"input": {**order_input(lines), "points": points}}, token=member.token
    )
    placed = body["data"]["placeOrder"]
    assert placed["errors"] == [], placed
    return order_key(placed["order"]["id"])


async def _preparing(services: Services, order_id: uuid.UUID) -> str:
    """The order's tracking number once it is PREPARING (paid, its parcel registered)."""
    order = await settled(services, order_id)
    assert order.status is OrderStatus.PREPARING
    [delivery] = await services.store.deliveries_by_order_ids([order_id])
    assert delivery.tracking_number is not None
    return delivery.tracking_number


async def _report(
    client: AsyncClient, services: Services, tracking: str, status: str, minutes: int
) -> dict[str, Any]:
    """Report the parcel's scan, and wait until the delivery worker has applied it."""
    event = carrier_event(tracking, status, minutes)
    response = await post_carrier_event(client, services, event)
    assert response.status_code == 200, response.text
    await eventually(
        lambda: _events(services, tracking),
        lambda events: event["eventId"] in events,
        what=f"the report {status} applied",
    )
    return event


async def _events(services: Services, tracking: str) -> set[str]:
    """The carrier's event ids the service has applied to the parcel."""
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(delivery_event_table.c.carrier_event_id)
            .join(delivery_table, delivery_table.c.id == delivery_event_table.c.delivery_id)
            .where(delivery_table.c.tracking_number == tracking)
        )
        return {row[0] for row in rows if row[0] is not None}


async def _gateway(services: Services, order_id: uuid.UUID) -> list[tuple[str, str, int]]:
    """The gateway's ledger for the order: (kind, status, amount), by idempotency key."""
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(
                simulated_charge_table.c.idempotency_key,
                simulated_charge_table.c.kind,
                simulated_charge_table.c.status,
                simulated_charge_table.c.amount,
            ).where(simulated_charge_table.c.idempotency_key.like(f"%{order_id}%"))
        )
        return [(r.kind, r.status, r.amount) for r in sorted(rows, key=lambda r: r[0])]


async def test_points_are_earned_at_delivered_only_and_once_however_often_it_is_reported(
    client: AsyncClient, services: Services, pipeline: Pipeline, member: Member
) -> None:
    await pipeline.start(carrier=False)
    book = await create_product(services.engine, price=20_000, discount_rate=500, points_rate=500)
    order_id = await _place(client, member, [(book, 2)])
    tracking = await _preparing(services, order_id)

    balances = [(await _points(client, member))[0]]  # PREPARING
    for minutes, status in enumerate(["PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY"]):
        await _report(client, services, tracking, status, minutes)
        balances.append((await _points(client, member))[0])
    assert (await read_order(services, order_id)).status is OrderStatus.SHIPPED
    delivered = await _report(client, services, tracking, "DELIVERED", 10)
    after_delivery = await _points(client, member)
    # the same report again, the carrier's report of it under a new id, and every message of
    # the order published again
    again = await post_carrier_event(client, services, delivered)
    anew = await _report(client, services, tracking, "DELIVERED", 11)
    async with services.engine.begin() as conn:
        await conn.execute(
            update(outbox_table)
            .where(outbox_table.c.order_id == order_id)
            .values(published_at=None)
        )
    services.relay.wake()
    await eventually(lambda: unpublished(services, order_id), lambda n: n == 0, what="republished")
    await pipeline.stop()  # drains: every message published again has been handled

    assert balances == [0, 0, 0, 0]
    assert (await read_order(services, order_id)).status is OrderStatus.DELIVERED
    assert after_delivery == (2_000, [(2_000, "EARNED")])
    assert again.json() == {"accepted": True, "duplicate": True}
    assert anew["eventId"] != delivered["eventId"]
    assert await _points(client, member) == (2_000, [(2_000, "EARNED")])


async def test_an_order_paid_half_in_points_and_half_by_card_cancelled_returns_both(
    client: AsyncClient, services: Services, pipeline: Pipeline, member: Member
) -> None:
    await pipeline.start(carrier=False)
    await give_points(client, services, member.token, member.id, 10_000)
    book = await create_product(services.engine, price=20_000, available=3)
    order_id = await _place(client, member, [(book, 1)], points=10_000)
    await _preparing(services, order_id)
    spent = await _points(client, member)

    body = await graphql(
        client, CANCEL, {"id": to_global_id("Order", order_id)}, token=member.token
    )

    assert body["data"]["cancelOrder"] == {"order": {"status": "CANCELLED"}, "errors": []}
    await eventually(
        lambda: services.store.payments_by_order_ids([order_id]),
        lambda payments: payments[0].status is PaymentStatus.REFUNDED,
        what="the card refunded",
    )
    assert spent == (0, [(-10_000, "SPENT"), (10_000, "EARNED")])
    assert await _points(client, member) == (
        10_000,
        [(10_000, "RETURNED"), (-10_000, "SPENT"), (10_000, "EARNED")],
    )
    assert await _gateway(services, order_id) == [
        ("charge", "REFUNDED", 10_000),
        ("refund", "REFUNDED", 10_000),
    ]
    await eventually(
        lambda: stock_level(services, book),
        lambda level: level == StockLevel(available=3, reserved=0),
        what="the stock back",
    )


def _lines(order_id: uuid.UUID, *cancelled: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": to_global_id("Order", order_id),
        "lines": [
            {"productId": to_global_id("Product", book), "quantity": copies}
            for book, copies in cancelled
        ],
    }


async def test_cancelling_one_line_of_three_refunds_it_less_the_fee_and_restocks_it(
    client: AsyncClient, services: Services, pipeline: Pipeline, member: Member
) -> None:
    await pipeline.start(carrier=False)
    first = await create_product(services.engine, price=8_000, available=5)
    second = await create_product(services.engine, price=5_000, available=5)
    third = await create_product(services.engine, price=4_000, available=5)
    order_id = await _place(client, member, [(first, 1), (second, 1), (third, 1)])
    await _preparing(services, order_id)

    body = await graphql(client, CANCEL_LINES, _lines(order_id, (first, 1)), token=member.token)

    payload = body["data"]["cancelOrderLines"]
    assert payload["errors"] == []
    order = payload["order"]
    assert {k: v for k, v in order.items() if k != "items"} == {
        "status": "PREPARING",
        "subtotal": {"amount": 9_000},  # below 15,000 now: the fee is owed
        "shippingFee": {"amount": 2_500},
        "total": {"amount": 11_500},
        "amountCharged": {"amount": 11_500},
    }
    assert [item["product"]["id"] for item in order["items"]] == [
        to_global_id("Product", second),
        to_global_id("Product", third),
    ]
    await eventually(
        lambda: _gateway(services, order_id),
        lambda ledger: len(ledger) == 2 and ledger[1][1] != "PENDING",
        what="the part refunded",
    )
    assert await _gateway(services, order_id) == [
        ("charge", "APPROVED", 17_000),
        ("part", "REFUNDED", 8_000 - 2_500),
    ]
    await eventually(
        lambda: stock_level(services, first),
        lambda level: level == StockLevel(available=5, reserved=0),
        what="the cancelled copy back on the shelf",
    )
    await pipeline.stop()
    assert await stock_level(services, second) == StockLevel(available=4, reserved=0)
    assert await stock_level(services, third) == StockLevel(available=4, reserved=0)


async def test_two_cancellations_of_one_line_at_once_refund_it_once(
    client: AsyncClient, services: Services, pipeline: Pipeline, member: Member
) -> None:
    await pipeline.start(carrier=False)
    wanted = await create_product(services.engine, price=10_000, available=5)
    kept = await create_product(services.engine, price=10_000, available=5)
    order_id = await _place(client, member, [(wanted, 1), (kept, 1)])
    await _preparing(services, order_id)

    answers = await asyncio.gather(
        *(
            graphql(client, CANCEL_LINES, _lines(order_id, (wanted, 1)), token=member.token)
            for _ in range(2)
        )
    )

    payloads = sorted(
        (a["data"]["cancelOrderLines"] for a in answers), key=lambda p: len(p["errors"])
    )
    assert payloads[0]["errors"] == []
    assert payloads[0]["order"]["total"] == {"amount": 12_500}
    assert [e["code"] for e in payloads[1]["errors"]] == ["NOT_FOUND"]
    await eventually(
        lambda: stock_level(services, wanted),
        lambda level: level == StockLevel(available=5, reserved=0),
        what="the cancelled copy back on the shelf",
    )
    await pipeline.stop()  # drains
    assert await _gateway(services, order_id) == [
        ("charge", "APPROVED", 20_000),
        ("part", "REFUNDED", 10_000 - 2_500),
    ]
    assert await stock_level(services, wanted) == StockLevel(available=5, reserved=0)


async def test_a_partial_cancellation_after_pickup_is_refused_as_invalid_state(
    client: AsyncClient, services: Services, pipeline: Pipeline, member: Member
) -> None:
    await pipeline.start(carrier=False)
    book = await create_product(services.engine, price=10_000, available=5)
    order_id = await _place(client, member, [(book, 2)])
    tracking = await _preparing(services, order_id)
    await _report(client, services, tracking, "PICKED_UP", 0)

    body = await graphql(client, CANCEL_LINES, _lines(order_id, (book, 1)), token=member.token)

    [error] = body["data"]["cancelOrderLines"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID_STATE", ["id"])
    assert body["data"]["cancelOrderLines"]["order"] is None
    order = await read_order(services, order_id)
    assert (order.status, order.total.amount) == (OrderStatus.SHIPPED, 20_000)
    await pipeline.stop()
    assert await _gateway(services, order_id) == [("charge", "APPROVED", 20_000)]


async def test_lines_cancelled_one_after_another_to_the_last_give_back_the_charge_once(
    client: AsyncClient, services: Services, pipeline: Pipeline, member: Member
) -> None:
    """The last line's cancellation cancels the order while the payment worker may still be
    refunding the earlier parts: the whole refund is what the parts left, not counted twice."""
    await pipeline.start(carrier=False)
    books = [
        await create_product(services.engine, price=price, available=5)
        for price in (10_000, 3_000, 3_000)
    ]
    order_id = await _place(client, member, [(book, 1) for book in books])
    await _preparing(services, order_id)

    for book in reversed(books):
        body = await graphql(client, CANCEL_LINES, _lines(order_id, (book, 1)), token=member.token)
        assert body["data"]["cancelOrderLines"]["errors"] == []

    await eventually(
        lambda: _gateway(services, order_id),
        lambda ledger: ("refund", "REFUNDED", 12_500) in ledger,
        what="the rest refunded",
    )
    await pipeline.stop()
    ledger = await _gateway(services, order_id)
    assert sorted(ledger) == [
        ("charge", "REFUNDED", 16_000),
        ("part", "REFUNDED", 500),  # 13,000 left: the fee is taken from the refund
        ("part", "REFUNDED", 3_000),
        ("refund", "REFUNDED", 12_500),
    ]
