"""The carrier's reports of a parcel's progress, moving the delivery and the order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.problems import ProblemCode, refuse
from domain.status import DeliveryStatus, OrderStatus, can_transition

PROGRESS = tuple(DeliveryStatus)
"""Delivery statuses in the order a parcel goes through them."""


@dataclass(frozen=True, slots=True)
class ParcelReport:
    tracking_number: str
    status: DeliveryStatus
    location: str | None
    occurred_at: datetime
    event_id: str


async def record_parcel_progress(report: ParcelReport, uow: UnitOfWorkFactory) -> bool:
    """Record a tracking event; False when it was a duplicate (same event id).

    An event older than the parcel's current status is kept in the history but never moves
    the parcel, or the order, backwards.
    """
    async with uow() as work:
        delivery = await work.deliveries.lock_by_tracking_number(report.tracking_number)
        if delivery is None:
            raise refuse(ProblemCode.NOT_FOUND, "no parcel has this tracking number")
        if not await work.deliveries.record_event(
            delivery, report.status, report.location, report.occurred_at, report.event_id
        ):
            return False
        if PROGRESS.index(report.status) > PROGRESS.index(delivery.status):
            await work.deliveries.set_status(delivery, report.status)
            await _follow_with_order(work, delivery.order_id, report.status)
        await work.commit()
    return True


async def _follow_with_order(work: UnitOfWork, order_id: UUID, status: DeliveryStatus) -> None:
    """Picked up or further: the order is SHIPPED; delivered: DELIVERED."""
    order = await work.orders.lock(order_id)
    if order is None:
        return
    targets = []
    if status is not DeliveryStatus.PREPARING:
        targets.append(OrderStatus.SHIPPED)
    if status is DeliveryStatus.DELIVERED:
        targets.append(OrderStatus.DELIVERED)
    for target in targets:
        if can_transition(order.status, target):
            order = await work.orders.change_status(
                order, target, message=f"parcel {status.value.lower().replace('_', ' ')}"
            )
