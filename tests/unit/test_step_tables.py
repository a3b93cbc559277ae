"""The consumers' tables: the routing read off them, and an event a consumer has no step for
refused rather than skipped."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from domain.messages import Consumer, Event, Message
from domain.status import OrderStatus
from domain.steps.base import Steps, flag_for_operator
from domain.steps.delivery import DeliverySteps
from domain.steps.payment import PaymentSteps
from domain.steps.routing import SUBSCRIPTIONS, TABLES
from domain.steps.stock import StockSteps
from domain.steps.table import UnhandledEvent
from infrastructure.messaging.broker import Received
from infrastructure.messaging.memory import InMemoryBroker
from infrastructure.messaging.worker import StepWorker
from tests.unit.fakes import FakeCarrier, FakeDatabase, FakeGateway, an_order

STEP_CONSUMERS = [table.consumer for table in TABLES]
"""The order's consumers (the response cache's runs no steps of the order)."""


def _steps(consumer: Consumer, database: FakeDatabase) -> Steps:
    if consumer is Consumer.STOCK:
        return StockSteps(database.unit_of_work)
    if consumer is Consumer.PAYMENT:
        return PaymentSteps(database.unit_of_work, FakeGateway())
    return DeliverySteps(database.unit_of_work, FakeCarrier())


def test_every_consumer_has_one_table_and_every_event_a_consumer() -> None:
    """The relay publishes with `mandatory`: an event no table handles could not be sent."""
    assert sorted([*(table.consumer for table in TABLES), Consumer.CACHE]) == sorted(Consumer)
    assert {event for events in SUBSCRIPTIONS.values() for event in events} == set(Event)


@pytest.mark.parametrize(
    ("consumer", "event"),
    [(c, e) for c in Consumer for e in Event if e not in SUBSCRIPTIONS[c]],
)
async def test_an_event_a_consumer_does_not_handle_is_an_error_and_claims_nothing(
    consumer: Consumer, event: Event
) -> None:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    order = an_order(database, [(1, 1)], status=OrderStatus.PAID)
    steps = _steps(consumer, database)
    message = Message(event, order.id)

    with pytest.raises(UnhandledEvent, match=f"the {consumer} steps do not handle {event}"):
        await steps.handle(message)
    with pytest.raises(UnhandledEvent):
        await steps.give_up(message, "the same again")

    assert database.commits == 0
    assert database.order(order.id) == order


async def test_a_duplicate_is_absorbed_once_per_consumer_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)
    cancelled = Message(Event.ORDER_CANCELLED, order.id)
    caplog.set_level(logging.INFO, "orders.steps")

    for consumer in STEP_CONSUMERS:
        steps = _steps(consumer, database)
        await steps.handle(cancelled)
        await steps.handle(cancelled)

    assert {(c, m) for c, m in database.tables.inbox} == {(c, cancelled.id) for c in STEP_CONSUMERS}
    absorbed = [r.getMessage() for r in caplog.records if "duplicate absorbed" in r.getMessage()]
    assert absorbed == [
        f"duplicate absorbed: order.cancelled {cancelled.id} of order {order.id} by {consumer}"
        for consumer in STEP_CONSUMERS
    ]


class Delivered:
    """A message in the worker's hands, remembering how the worker settled it."""

    def __init__(self, message: Message) -> None:
        self._message = message
        self.settled = ""

    @property
    def message(self) -> Message:
        return self._message

    @property
    def raw_id(self) -> str:
        return str(self._message.id)

    async def ack(self) -> None:
        self.settled = "acked"

    async def retry(self, delay_seconds: float) -> None:
        self.settled = f"retried in {delay_seconds}"

    async def park(self, error: str) -> None:
        self.settled = f"parked: {error}"


async def test_an_unhandled_event_is_parked_after_its_levels_and_its_order_marked() -> None:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    order = an_order(database, [(1, 1)], status=OrderStatus.PAID)
    worker = StepWorker(
        PaymentSteps(database.unit_of_work, FakeGateway()),
        InMemoryBroker(prefetch=1),
        (1.0, 5.0),
        flag_for_operator(database.unit_of_work),
    )
    message = Message(Event.PAYMENT_APPROVED, order.id)

    settled = []
    for attempt in range(3):
        delivered = Delivered(dataclasses.replace(message, attempt=attempt))
        received: Received = delivered
        await worker.on_message(received)
        settled.append(delivered.settled)

    error = "UnhandledEvent: the payment steps do not handle payment.approved"
    assert settled == ["retried in 1.0", "retried in 5.0", f"parked: {error}"]
    assert database.tables.attention[order.id] == (
        f"payment parked payment.approved ({message.id}): {error}"
    )
    assert database.tables.inbox == set()
    assert database.tables.payments == {}
