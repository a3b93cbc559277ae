"""The order's life end to end on PostgreSQL and RabbitMQ: relay, workers, carrier, retries."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid

import aio_pika
import pytest
from httpx import AsyncClient
from sqlalchemy import func, select, update

from bootstrap import Services
from cluster.environment import role_environment
from domain.catalogue import StockLevel
from domain.messages import Consumer, Event, Message
from domain.money import Money
from domain.ports import ChargeResult, PaymentGateway
from domain.status import CancelReason, DeliveryStatus, OrderStatus, PaymentStatus
from domain.steps.payment import PaymentSteps
from infrastructure.database.tables import (
    outbox_table,
    payment_table,
    simulated_charge_table,
    stock_reservation_table,
)
from infrastructure.messaging.rabbitmq import RabbitBroker
from resolvers.common.ids import to_global_id
from tests.support.factories import (
    create_member,
    create_order,
    create_product,
    random_member_id,
    token_for,
)
from tests.support.graphql import graphql
from tests.support.orders import (
    attention,
    place_ok,
    read_order,
    settled,
    stock_level,
    unpublished,
)
from tests.support.pipeline import Pipeline
from tests.support.processes import ROOT
from tests.support.waiting import eventually

HISTORY = """
query ($id: ID!) {
  order(id: $id) {
    status cancelReason
    payment { status attempts transactionId }
    delivery { status trackingNumber events { status scan location } }
    history { status message }
  }
}
"""


@pytest.fixture
def customer(services: Services) -> str:
    return token_for(services.settings.effective_jwt_secret, random_member_id())


async def _charges(services: Services, order_id: uuid.UUID) -> list[tuple[str, str, int]]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(
                simulated_charge_table.c.kind,
                simulated_charge_table.c.status,
                simulated_charge_table.c.calls,
            ).where(simulated_charge_table.c.idempotency_key.like(f"%{order_id}"))
        )
        return sorted((r.kind, r.status, r.calls) for r in rows)


async def test_an_order_goes_all_the_way_to_delivered(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    book = await create_product(services.engine, available=5)

    order_id = await place_ok(client, customer, [(book, 2)])
    await eventually(
        lambda: read_order(services, order_id),
        lambda order: order.status is OrderStatus.DELIVERED,
        what="delivery",
    )

    body = await graphql(client, HISTORY, {"id": to_global_id("Order", order_id)}, token=customer)
    order = body["data"]["order"]
    assert [h["status"] for h in order["history"]] == [
        "PENDING",
        "STOCK_RESERVED",
        "PAID",
        "PREPARING",
        "SHIPPED",
        "DELIVERED",
    ]
    assert order["payment"]["status"] == "APPROVED"
    assert order["payment"]["attempts"] == 1
    assert len(order["delivery"]["trackingNumber"]) == 12
    assert [(e["status"], e["scan"]) for e in order["delivery"]["events"]] == [
        ("PREPARING", None),
        ("PICKED_UP", "집화처리"),
        ("IN_TRANSIT", "간선상차"),
        ("IN_TRANSIT", "간선하차"),
        ("OUT_FOR_DELIVERY", "배송출발"),
        ("DELIVERED", "배달완료"),
    ]
    assert await stock_level(services, book) == StockLevel(available=3, reserved=0)
    assert await _charges(services, order_id) == [("charge", "APPROVED", 1)]


async def test_out_of_stock_cancels_and_leaves_stock_untouched(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    plenty, scarce = [await create_product(services.engine, available=n) for n in (9, 1)]

    order_id = await place_ok(client, customer, [(plenty, 3), (scarce, 2)])
    order = await settled(services, order_id)

    assert (order.status, order.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.OUT_OF_STOCK,
    )
    assert await stock_level(services, plenty) == StockLevel(available=9, reserved=0)
    assert await stock_level(services, scarce) == StockLevel(available=1, reserved=0)
    assert await _charges(services, order_id) == []


async def test_a_declined_card_cancels_and_restores_stock(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    book = await create_product(services.engine, available=4)

    order_id = await place_ok(client, customer, [(book, 3)], token="tok_decline")
    order = await settled(services, order_id)

    assert (order.status, order.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.PAYMENT_DECLINED,
    )
    await eventually(
        lambda: stock_level(services, book),
        lambda level: level == StockLevel(available=4, reserved=0),
        what="stock released",
    )


async def test_a_flaky_gateway_is_retried_and_charges_once(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    book = await create_product(services.engine)

    order_id = await place_ok(client, customer, [(book, 1)], token="tok_flaky_2")
    order = await settled(services, order_id)

    assert order.status in (OrderStatus.PREPARING, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
    [payment] = await services.store.payments_by_order_ids([order_id])
    assert (payment.status, payment.attempts) == (PaymentStatus.APPROVED, 3)
    assert await _charges(services, order_id) == [("charge", "APPROVED", 3)]


async def test_a_gateway_that_stays_down_parks_the_message_and_compensates(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    book = await create_product(services.engine, available=2)

    order_id = await place_ok(client, customer, [(book, 2)], token="tok_down")
    order = await settled(services, order_id)

    assert (order.status, order.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.PAYMENT_FAILED,
    )
    [payment] = await services.store.payments_by_order_ids([order_id])
    retries = len(services.settings.retry_delays)
    assert (payment.status, payment.attempts) == (PaymentStatus.FAILED, retries + 1)
    await eventually(
        lambda: stock_level(services, book),
        lambda level: level == StockLevel(available=2, reserved=0),
        what="stock released",
    )
    parked = await eventually(
        lambda: services.broker.parked(Consumer.PAYMENT, 1000),
        lambda found: any(p.order_id == str(order_id) for p in found),
        what="the message parked",
    )
    [mine] = [p for p in parked if p.order_id == str(order_id)]
    assert mine.name == "stock.reserved"
    assert mine.attempts == retries + 1
    assert "tok_down" in mine.error

    listed = await _cli(services, "dlq", "list", "--consumer", "payment")
    assert f"{mine.message_id}  payment   stock.reserved" in listed
    assert f"order {order_id}  attempts {retries + 1}" in listed
    shown = await _cli(services, "dlq", "show", mine.message_id)
    assert f"order_id: {order_id}" in shown
    replayed = await _cli(services, "dlq", "replay", mine.message_id)
    assert f"replayed {mine.message_id} to payment" in replayed
    await eventually(
        lambda: services.broker.parked(Consumer.PAYMENT, 1000),
        lambda found: all(p.message_id != mine.message_id for p in found),
        what="the replayed message leaving the parking lot",
    )
    # handled again: the order is cancelled already, so nothing is charged
    assert (await read_order(services, order_id)).status is OrderStatus.CANCELLED


async def test_a_report_that_will_never_fit_is_parked_after_its_levels_and_its_order_marked(
    services: Services, pipeline: Pipeline
) -> None:
    """Issue #11: a tracking event at 0001-01-01T00:00:00+14:00, accepted by the webhook before
    it refused such times, failed on every try and was retried at the last delay forever."""
    await pipeline.start([Consumer.DELIVERY], carrier=False)
    member = await create_member(services.engine)
    order = await create_order(
        services.engine, member_id=member, product_ids=[await create_product(services.engine)]
    )
    [delivery] = await services.store.deliveries_by_order_ids([order.id])
    report = Message(
        Event.CARRIER_REPORTED,
        order.id,
        {
            "trackingNumber": delivery.tracking_number,
            "status": "DELIVERED",
            "location": None,
            "occurredAt": "0001-01-01T00:00:00+14:00",
            "eventId": f"evt-{uuid.uuid4()}",
        },
    )
    async with services.unit_of_work() as work:
        await work.outbox.add(report)
        await work.commit()

    parked = await eventually(
        lambda: services.broker.parked(Consumer.DELIVERY, 1000),
        lambda found: any(p.message_id == str(report.id) for p in found),
        what="the report parked",
    )

    [mine] = [p for p in parked if p.message_id == str(report.id)]
    assert mine.attempts == len(services.settings.retry_delays) + 1
    assert "occurredAt" in mine.error
    note = await attention(services, order.id)
    assert note is not None
    assert note.startswith(f"delivery parked carrier.reported ({report.id}): ValueError")
    [unmoved] = await services.store.deliveries_by_order_ids([order.id])
    assert unmoved.status is delivery.status
    listed = await _cli(services, "dlq", "list", "--consumer", "delivery")
    assert f"{report.id}  delivery  carrier.reported" in listed
    assert f"order {order.id}  " in listed
    assert f"needs attention: {note}" in listed
    resolved = await _cli(services, "dlq", "resolve", str(order.id))
    assert f"order {order.id}: mark cleared" in resolved
    assert await attention(services, order.id) is None


async def _cli(services: Services, *args: str) -> str:
    """Run `main.py ARGS` against this run's services; its output (it must succeed)."""
    done = await _cli_answering(services, "", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _cli_answering(
    services: Services, answer: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run `main.py ARGS` against this run's services with `answer` on its standard input."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=role_environment(services.settings),
        input=answer,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_200_orders_for_20_books_sell_exactly_20(
    client: AsyncClient, services: Services, pipeline: Pipeline
) -> None:
    await pipeline.start()
    book = await create_product(services.engine, available=20)
    buyers = [
        token_for(services.settings.effective_jwt_secret, random_member_id()) for _ in range(200)
    ]

    order_ids = await asyncio.gather(*(place_ok(client, t, [(book, 1)]) for t in buyers))
    orders = [await settled(services, order_id, within=60) for order_id in order_ids]

    cancelled = [o for o in orders if o.status is OrderStatus.CANCELLED]
    assert len(orders) - len(cancelled) == 20
    assert {o.cancel_reason for o in cancelled} == {CancelReason.OUT_OF_STOCK}
    level = await stock_level(services, book)
    assert level.available == 0
    async with services.engine.connect() as conn:
        held = await conn.execute(
            select(func.count()).where(stock_reservation_table.c.product_id == book)
        )
    assert held.scalar_one() == 20


async def test_every_message_published_twice_changes_nothing_twice(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start(carrier=False)
    book = await create_product(services.engine, available=10)
    order_id = await place_ok(client, customer, [(book, 2)])
    order = await settled(services, order_id)
    assert order.status is OrderStatus.PREPARING
    async with services.engine.begin() as conn:
        sent = await conn.execute(
            update(outbox_table)
            .where(outbox_table.c.order_id == order_id)
            .values(published_at=None)
            .returning(outbox_table.c.routing_key)
        )
    # and, for the response cache, order.changed after the payment's attempt and the parcel
    assert sorted(sent.scalars()) == sorted(
        ["order.placed", "stock.reserved", "payment.approved", "order.changed", "order.changed"]
    )
    services.relay.wake()

    await eventually(lambda: unpublished(services, order_id), lambda n: n == 0, what="republished")
    await pipeline.stop()  # drains: every redelivered message has been handled

    assert (await read_order(services, order_id)).status is OrderStatus.PREPARING
    assert await stock_level(services, book) == StockLevel(available=8, reserved=0)
    assert await _charges(services, order_id) == [("charge", "APPROVED", 1)]
    async with services.engine.connect() as conn:
        attempts = await conn.execute(
            select(payment_table.c.attempts).where(payment_table.c.order_id == order_id)
        )
    assert attempts.scalar_one() == 1


async def test_cancelling_a_paid_order_refunds_and_releases_stock(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start(carrier=False)
    book = await create_product(services.engine, available=5)
    order_id = await place_ok(client, customer, [(book, 2)])
    assert (await settled(services, order_id)).status is OrderStatus.PREPARING

    body = await graphql(
        client,
        "mutation ($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }",
        {"id": to_global_id("Order", order_id)},
        token=customer,
    )

    assert body["data"]["cancelOrder"] == {"order": {"status": "CANCELLED"}, "errors": []}
    await eventually(
        lambda: services.store.payments_by_order_ids([order_id]),
        lambda payments: payments[0].status is PaymentStatus.REFUNDED,
        what="refund",
    )
    await eventually(
        lambda: stock_level(services, book),
        lambda level: level == StockLevel(available=5, reserved=0),
        what="stock released",
    )
    assert await _charges(services, order_id) == [
        ("charge", "REFUNDED", 1),
        ("refund", "REFUNDED", 1),
    ]
    [delivery] = await eventually(
        lambda: services.store.deliveries_by_order_ids([order_id]),
        lambda found: found[0].status is DeliveryStatus.CANCELLED,
        what="the parcel cancelled",
    )
    events = await services.store.delivery_events_by_delivery_ids([delivery.id])
    assert [e.status for e in events][-1] is DeliveryStatus.CANCELLED


class HeldCharges:
    """The gateway, with each charge held on its way until `go` is set: a charge the network
    delays while the order is cancelled."""

    def __init__(self, gateway: PaymentGateway) -> None:
        self._gateway = gateway
        self.go = asyncio.Event()

    async def charge(
        self, *, idempotency_key: str, amount: Money, token: str | None
    ) -> ChargeResult:
        await self.go.wait()
        return await self._gateway.charge(
            idempotency_key=idempotency_key, amount=amount, token=token
        )

    async def refund(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        return await self._gateway.refund(
            idempotency_key=idempotency_key, charge_key=charge_key, amount=amount
        )

    async def refund_part(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        return await self._gateway.refund_part(
            idempotency_key=idempotency_key, charge_key=charge_key, amount=amount
        )


async def _payment_status(services: Services, order_id: uuid.UUID) -> PaymentStatus | None:
    found = await services.store.payments_by_order_ids([order_id])
    return found[0].status if found else None


async def test_a_charge_voided_by_the_refund_of_a_cancelled_order_is_recorded_voided(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start([Consumer.STOCK], carrier=False)
    book = await create_product(services.engine, available=3)
    order_id = await place_ok(client, customer, [(book, 1)])
    await eventually(
        lambda: read_order(services, order_id),
        lambda order: order.status is OrderStatus.STOCK_RESERVED,
        what="stock reserved",
    )
    gateway = HeldCharges(services.gateway)
    steps = PaymentSteps(services.unit_of_work, gateway)
    charging = asyncio.create_task(steps.handle(Message(Event.STOCK_RESERVED, order_id)))
    await eventually(
        lambda: _payment_status(services, order_id),
        lambda status: status is PaymentStatus.PENDING,
        what="the charge on its way",
    )

    body = await graphql(
        client,
        "mutation ($id: ID!) { cancelOrder(id: $id) { order { status } } }",
        {"id": to_global_id("Order", order_id)},
        token=customer,
    )
    assert body["data"]["cancelOrder"]["order"]["status"] == "CANCELLED"
    await steps.handle(Message(Event.ORDER_CANCELLED, order_id))  # the refund gets there first
    voided = await _payment_status(services, order_id)
    gateway.go.set()  # then the charge, which the gateway finds void
    await charging

    assert voided is PaymentStatus.VOIDED
    assert await _payment_status(services, order_id) is PaymentStatus.VOIDED
    assert await _charges(services, order_id) == [("charge", "VOIDED", 1), ("refund", "VOIDED", 1)]
    assert (await read_order(services, order_id)).status is OrderStatus.CANCELLED


async def test_a_shipped_order_can_no_longer_be_cancelled(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    book = await create_product(services.engine)
    order_id = await place_ok(client, customer, [(book, 1)])
    await eventually(
        lambda: read_order(services, order_id),
        lambda order: order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
        what="shipping",
    )

    body = await graphql(
        client,
        "mutation ($id: ID!) { cancelOrder(id: $id) { order { status } errors { code field } } }",
        {"id": to_global_id("Order", order_id)},
        token=customer,
    )

    assert body["data"]["cancelOrder"] == {
        "order": None,
        "errors": [{"code": "INVALID_STATE", "field": ["id"]}],
    }


async def test_a_message_that_is_not_ours_is_parked_at_once_and_can_be_purged(
    services: Services, pipeline: Pipeline
) -> None:
    await pipeline.start([Consumer.PAYMENT], relay=False, carrier=False)
    broker = services.broker
    assert isinstance(broker, RabbitBroker)
    garbage = str(uuid.uuid4())

    await broker.send(
        broker.names.requeue,
        "payment.0",
        aio_pika.Message(b"not json", message_id=garbage, delivery_mode=2),
    )
    parked = await eventually(
        lambda: broker.parked(Consumer.PAYMENT, 1000),
        lambda found: any(p.message_id == garbage for p in found),
        what="the garbage parked",
    )

    [mine] = [p for p in parked if p.message_id == garbage]
    assert mine.name == "(undecodable)"
    assert "not a message of this service" in mine.error
    purged = await _cli(services, "dlq", "purge", "--consumer", "payment")
    assert int(re.search(r"payment: (\d+) purged", purged)[1]) >= 1  # type: ignore[index]
    assert await broker.parked(Consumer.PAYMENT, 1000) == []


async def test_purging_every_parking_lot_asks_first_or_takes_all(
    services: Services, pipeline: Pipeline
) -> None:
    await pipeline.start([Consumer.PAYMENT], relay=False, carrier=False)
    broker = services.broker
    assert isinstance(broker, RabbitBroker)
    garbage = str(uuid.uuid4())
    await broker.send(
        broker.names.requeue,
        "payment.0",
        aio_pika.Message(b"not json", message_id=garbage, delivery_mode=2),
    )
    await eventually(
        lambda: broker.parked(Consumer.PAYMENT, 1000),
        lambda found: any(p.message_id == garbage for p in found),
        what="the garbage parked",
    )

    for answer in ("n\n", ""):  # no, and no one at the keyboard
        declined = await _cli_answering(services, answer, "dlq", "purge")
        assert declined.returncode != 0
        assert "for good? [y/N]" in declined.stdout
        assert "purged" not in declined.stdout
        assert any(p.message_id == garbage for p in await broker.parked(Consumer.PAYMENT, 1000))

    purged = await _cli(services, "dlq", "purge", "--all")
    assert {line.split(":")[0] for line in purged.splitlines()} == {c.value for c in Consumer}
    for consumer in Consumer:
        assert await broker.parked(consumer, 1000) == []
