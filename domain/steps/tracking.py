"""The carrier's reports of a parcel's progress: accepted from its webhook into the outbox,
then applied by the delivery worker, moving the delivery and the order."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.delivery import DeliveryEvent
from domain.messages import Event, Message
from domain.moments import storable_moment
from domain.moves import keep
from domain.order import Order
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.problems import ProblemCode, refuse
from domain.status import DeliveryStatus, OrderStatus
from domain.text import character_problem

SIGNATURE_PREFIX = "sha256="

PROGRESS = (
    DeliveryStatus.PREPARING,
    DeliveryStatus.PICKED_UP,
    DeliveryStatus.IN_TRANSIT,
    DeliveryStatus.OUT_FOR_DELIVERY,
    DeliveryStatus.DELIVERED,
)
"""The statuses a parcel goes through, in order: what a carrier reports. CANCELLED is ours."""

MAX_TRACKING_NUMBER = 20
MAX_EVENT_ID = 100
MAX_LOCATION = 200
MAX_SCAN = 50
"""The lengths the database keeps (delivery.tracking_number, delivery_event.carrier_event_id,
delivery_event.location, delivery_event.scan): a report carrying more is refused, never cut or
failed on insert."""


@dataclass(frozen=True, slots=True)
class ParcelReport:
    tracking_number: str
    status: DeliveryStatus
    location: str | None
    occurred_at: datetime
    event_id: str
    scan: str | None = None
    """The carrier's own name for this scan, kept for display; `status` is what it means to
    us. Several scans may mean one status (CJ대한통운's 간선상차 and 간선하차: IN_TRANSIT)."""

    def to_payload(self) -> dict[str, Any]:
        return {
            "trackingNumber": self.tracking_number,
            "status": self.status.value,
            "location": self.location,
            "occurredAt": self.occurred_at.isoformat(),
            "eventId": self.event_id,
            "scan": self.scan,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ParcelReport:
        """The report in a webhook body or a message; ValueError when it is not one, or when
        a value would not fit where it is stored. Its time is in UTC, as stored."""
        try:
            report = cls(
                tracking_number=_text(payload, "trackingNumber"),
                status=_progress(_text(payload, "status")),
                location=_optional_text(payload, "location"),
                occurred_at=_utc(_text(payload, "occurredAt")),
                event_id=_text(payload, "eventId"),
                scan=_optional_text(payload, "scan"),
            )
        except KeyError as exc:
            raise ValueError(f"a tracking event needs {exc}") from exc
        if not 0 < len(report.tracking_number) <= MAX_TRACKING_NUMBER:
            raise ValueError(f"trackingNumber is 1 to {MAX_TRACKING_NUMBER} characters")
        if not report.event_id or len(report.event_id) > MAX_EVENT_ID:
            raise ValueError(f"eventId is 1 to {MAX_EVENT_ID} characters")
        if len(report.location or "") > MAX_LOCATION:
            raise ValueError(f"location is at most {MAX_LOCATION} characters")
        if len(report.scan or "") > MAX_SCAN:
            raise ValueError(f"scan is at most {MAX_SCAN} characters")
        for name, value in (
            ("trackingNumber", report.tracking_number),
            ("eventId", report.event_id),
            ("location", report.location or ""),
            ("scan", report.scan or ""),
        ):
            if problem := character_problem(name, value):
                raise ValueError(problem)
        return report


def _text(payload: dict[str, Any], name: str) -> str:
    """A value the report must carry, as text: KeyError when it is missing."""
    value = payload[name]
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text")
    return value


def _optional_text(payload: dict[str, Any], name: str) -> str | None:
    """A value the report may leave out or send null (or empty: nothing to show)."""
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be text or null")
    return value or None


def _progress(value: str) -> DeliveryStatus:
    status = DeliveryStatus(value)
    if status not in PROGRESS:
        raise ValueError(f"status is one of {', '.join(PROGRESS)}")
    return status


def _utc(text: str) -> datetime:
    """The time in UTC, as stored: refused without a zone, or when it has no UTC time we can
    keep (`0001-01-01T00:00:00+14:00` falls before year 1)."""
    try:
        return storable_moment(datetime.fromisoformat(text))
    except ValueError as exc:
        raise ValueError(f"occurredAt: {exc}") from exc


def carrier_signature(secret: str, body: bytes) -> str:
    """How the carrier signs its webhook calls: HMAC-SHA256 over the raw body."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Acceptance(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


async def accept_parcel_report(report: ParcelReport, uow: UnitOfWorkFactory) -> Acceptance:
    """The carrier's webhook: a known parcel's new event goes into the outbox, to be applied
    by the delivery worker like any other change; an event seen before is accepted once."""
    async with uow() as work:
        delivery = await work.deliveries.lock_by_tracking_number(report.tracking_number)
        if delivery is not None:
            order_id = delivery.order_id
            if await work.deliveries.event_seen(report.event_id):
                return Acceptance.DUPLICATE
        elif found := await work.returns.lock_by_tracking_number(report.tracking_number):
            order_id = found.order_id  # a return parcel: its step ignores a report twice
        else:
            raise refuse(ProblemCode.NOT_FOUND, "no parcel has this tracking number")
        await work.outbox.add(Message(Event.CARRIER_REPORTED, order_id, report.to_payload()))
        await work.commit()
    return Acceptance.ACCEPTED


async def apply_parcel_report(work: UnitOfWork, report: ParcelReport) -> bool:
    """Record a tracking event in the caller's unit of work; False for a duplicate.

    An event older than the parcel's current status is kept in the history but never moves
    the parcel, or the order, backwards. The parcel of a cancelled order never moves either:
    the event is kept, and a parcel the carrier says has moved on (picked up, delivered) after
    all marks the order for an operator, who must get the books back.
    """
    delivery = await work.deliveries.lock_by_tracking_number(report.tracking_number)
    if delivery is None:
        return False
    recorded = DeliveryEvent(
        delivery.id, report.status, report.location, report.occurred_at, report.scan
    )
    if not await work.deliveries.record_event(recorded, report.event_id):
        return False
    order = await work.orders.lock(delivery.order_id)
    if delivery.status is DeliveryStatus.CANCELLED or (
        order is not None and order.status is OrderStatus.CANCELLED
    ):
        if report.status is not DeliveryStatus.PREPARING:
            await work.orders.needs_attention(
                delivery.order_id,
                f"the carrier reported parcel {report.tracking_number} "
                f"{report.status.value} after the order was cancelled",
            )
        return True
    if PROGRESS.index(report.status) > PROGRESS.index(delivery.status):
        await work.deliveries.set_status(delivery, report.status)
        if order is not None:
            await _follow_with_order(work, order, report.status)
    return True


async def _follow_with_order(work: UnitOfWork, order: Order, status: DeliveryStatus) -> None:
    """Picked up or further: the order is SHIPPED; delivered: DELIVERED."""
    targets = []
    if status is not DeliveryStatus.PREPARING:
        targets.append(OrderStatus.SHIPPED)
    if status is DeliveryStatus.DELIVERED:
        targets.append(OrderStatus.DELIVERED)
    for target in targets:
        if order.can_move_to(target):
            order = await keep(
                work, order.move_to(target, f"parcel {status.value.lower().replace('_', ' ')}")
            )
