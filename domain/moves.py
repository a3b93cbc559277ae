"""Keeping what an order decided when it moved, in the caller's unit of work: the order and its
history's new entry through the order repository, the messages the move raised through the
outbox. The repository persists the move; the order decides it (`domain/order.py`)."""

from __future__ import annotations

from domain.order import Move, Order
from domain.points import PointsEntry, PointsReason
from domain.ports import UnitOfWork
from domain.status import CancelReason, OrderStatus


async def keep(work: UnitOfWork, move: Move) -> Order:
    """Write the move and its messages, and what it does to the member's points; the order as
    it now is."""
    await work.orders.record(move)
    for message in move.raised:
        await work.outbox.add(message)
    await _points_of(work, move.order)
    return move.order


async def _points_of(work: UnitOfWork, order: Order) -> None:
    """Delivered: the order's points are earned (not before: it could still be cancelled).
    Cancelled: the points it still holds are given back. In the move's transaction, so every
    way an order is delivered or cancelled (a customer, a step giving up, a compensation) does
    it; the ledger takes each (order, reason) once."""
    if order.status is OrderStatus.DELIVERED and order.points_to_earn:
        entry = PointsEntry(order.member_id, order.id, PointsReason.EARNED, order.points_to_earn)
    elif order.status is OrderStatus.CANCELLED and order.points_used:
        entry = PointsEntry(order.member_id, order.id, PointsReason.RETURNED, order.points_used)
    else:
        return
    await work.points.add(entry)


async def cancel_for(
    work: UnitOfWork, order: Order | None, reason: CancelReason, message: str
) -> Order | None:
    """Cancel the order if it still can be, announcing it so that the other steps compensate;
    the cancelled order, or None when there was nothing to cancel."""
    if order is None or not order.can_move_to(OrderStatus.CANCELLED):
        return None
    return await keep(work, order.cancel(reason, message))
