"""Which events each consumer's work queue receives: read off the consumers' step tables, so
that a queue receives exactly the events its steps handle; the response cache's consumer hears
every event, since each says that something about its order changed."""

from __future__ import annotations

from domain.messages import Consumer, Event
from domain.steps.delivery import DELIVERY
from domain.steps.payment import PAYMENT
from domain.steps.stock import STOCK

TABLES = (STOCK, PAYMENT, DELIVERY)

SUBSCRIPTIONS: dict[Consumer, tuple[Event, ...]] = {
    **{table.consumer: table.events for table in TABLES},
    Consumer.CACHE: tuple(Event),
}
