"""부분취소: cancelling some lines of an order, or some copies of a line, after it is paid and
before its parcel is picked up. One transaction writes the order's new lines and money, its
history entry, the points given back and an `order.lines_cancelled` message; the stock and
payment steps then put exactly those copies back on the shelf and refund exactly the card's
part (docs/SAGA.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.actions import Situation, can_cancel_lines
from domain.commands import CancelOrderLines
from domain.copies_asked import CopiesAsked
from domain.messages import Event, Message
from domain.moves import keep
from domain.order import HistoryEntry, Order, lines_left
from domain.points import PointsEntry, PointsReason
from domain.ports import UnitOfWorkFactory
from domain.pricing import Refund, ShippingPolicy, cancellation_refund
from domain.status import CancelReason
from domain.validation import check_cancel_order

LINES_CANCELLED = "cancelled at the customer's request: "
"""How the history's entry of a partial cancellation begins (the timeline words it by this)."""


async def cancel_order_lines(
    command: CancelOrderLines, uow: UnitOfWorkFactory, policy: ShippingPolicy
) -> Order:
    """Cancel the copies named; every copy of the order cancelled cancels the order."""
    check_cancel_order(command)
    asked = CopiesAsked.of("cancelOrderLines", command)
    wanted = asked.wanted
    async with uow() as work:
        order, answered = await asked.lock(work)
        if answered:
            return order
        _check_state(order)
        items = await work.orders.items(order.id)
        held = {item.product_id: item.quantity for item in items}
        asked.refuse_beyond(held, "the order holds {held} of this book now, not {copies}")
        remaining = lines_left(items, wanted)
        if not remaining:
            cancelled = await keep(
                work, order.cancel(CancelReason.CUSTOMER_REQUEST, _saying(command, "every copy"))
            )
            await asked.keep_key(work)
            await work.commit()
            return cancelled
        refund = cancellation_refund(order.money, [item.priced for item in remaining], policy)
        copies = await asked.named(work)
        after = order.with_part_given_back(refund.after, datetime.now(UTC))
        await work.orders.record_lines_cancelled(
            after,
            {p: held[p] - q for p, q in wanted.items()},
            HistoryEntry(order.status, _saying(command, copies, refund), after.updated_at),
        )
        part = after.partial_cancellations
        if refund.points:
            await work.points.add(
                PointsEntry(order.member_id, order.id, PointsReason.RETURNED, refund.points, part)
            )
        await work.outbox.add(
            Message(
                Event.ORDER_LINES_CANCELLED,
                order.id,
                {"part": part, "lines": [[p, q] for p, q in wanted.items()], "card": refund.card},
            )
        )
        await asked.keep_key(work)
        await work.commit()
    return after


def _check_state(order: Order) -> None:
    if not (allowed := can_cancel_lines(Situation(order.status))).possible:
        raise allowed.refusal()


def _saying(command: CancelOrderLines, copies: str, refund: Refund | None = None) -> str:
    said = f"{LINES_CANCELLED}{copies}"
    if refund is not None:
        said += f" (back: ₩{refund.card:,} to the card, {refund.points:,} points)"
    return f"{said}: {command.reason}" if command.reason else said
