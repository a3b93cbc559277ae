"""Keeping what an order decided when it moved, in the caller's unit of work: the order and its
history's new entry through the order repository, the messages the move raised through the
outbox. The repository persists the move; the order decides it (`domain/order.py`)."""

from __future__ import annotations

from domain.order import Move, Order
from domain.ports import UnitOfWork
from domain.status import CancelReason, OrderStatus


async def keep(work: UnitOfWork, move: Move) -> Order:
    """Write the move and its messages; the order as it now is."""
    await work.orders.record(move)
    for message in move.raised:
        await work.outbox.add(message)
    return move.order


async def cancel_for(
    work: UnitOfWork, order: Order | None, reason: CancelReason, message: str
) -> Order | None:
    """Cancel the order if it still can be, announcing it so that the other steps compensate;
    the cancelled order, or None when there was nothing to cancel."""
    if order is None or not order.can_move_to(OrderStatus.CANCELLED):
        return None
    return await keep(work, order.cancel(reason, message))
