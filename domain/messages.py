"""Messages between the steps of the order's life, and the names they travel under.

A message is written to the outbox in the same transaction as the change it announces; the relay
publishes it under its `name` (the routing key), and each consumer handles it once. Which
consumer receives which event is read off their step tables (`domain/steps/routing.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4


@dataclass(frozen=True, slots=True)
class Message:
    """One event about one order, as the outbox keeps it and the broker carries it."""

    name: Event
    order_id: UUID
    payload: dict[str, Any] = field(default_factory=dict)
    id: UUID = field(default_factory=uuid4)
    attempt: int = 0
    """How many times handling this message failed for a while before (0 on first delivery)."""
    correlation_id: str | None = None
    """The request that set this order's work going, carried from message to message."""


class Event(StrEnum):
    """Every event has a consumer: the relay publishes with `mandatory`, so one without fails."""

    ORDER_PLACED = "order.placed"
    STOCK_RESERVED = "stock.reserved"
    PAYMENT_APPROVED = "payment.approved"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_LINES_CANCELLED = "order.lines_cancelled"
    """Some copies of an order cancelled (부분취소): `{"part": n, "lines": [[product id,
    copies], …], "card": won to refund}`."""
    ORDER_ADDRESS_CHANGED = "order.address_changed"
    """배송지 변경: the order's delivery address changed; a registered parcel's must too."""
    RETURN_REQUESTED = "return.requested"
    """반품 asked for: `{"return": n}`; a return parcel is to be registered with the carrier."""
    RETURN_RECEIVED = "return.received"
    """A return arrived back: `{"part": n, "lines": [[product id, copies], …], "card": won to
    refund}`, handled as a partial cancellation's part is."""
    CARRIER_REPORTED = "carrier.reported"
    # Compensations a step owes after a race with a cancellation, sent to itself.
    PAYMENT_REFUND_DUE = "payment.refund_due"
    DELIVERY_CANCEL_DUE = "delivery.cancel_due"
    # What an order's reader sees changed, and no other event of the same commit says so (a
    # payment refunded, a parcel moving on): written by the unit of work for the response cache.
    ORDER_CHANGED = "order.changed"


class Consumer(StrEnum):
    STOCK = "stock"
    PAYMENT = "payment"
    DELIVERY = "delivery"
    CACHE = "cache"
    """Drops cached answers that hold the order an event is about: it hears every event."""
