"""반품: a customer sends some books of a delivered order back, within the return period.

Asking (`request_return`) keeps the return and its history entry and raises `return.requested`;
the delivery step registers a return parcel with the carrier, which picks it up and reports its
scans like an outbound parcel's; when it arrives back (`receive_return`, from the carrier's
report) the order gives those copies back in one transaction, as a partial cancellation does:
its lines shrink, its money is recomputed (`domain.pricing.return_refund`), the points spent on
them come back and the points earned on them are taken back, and `return.received` has the
stock and payment steps put the copies on the shelf and refund the card's part (docs/SAGA.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.actions import ReturnPolicy, Situation, can_return
from domain.commands import RequestReturn
from domain.copies_asked import CopiesAsked
from domain.messages import Event, Message
from domain.order import HistoryEntry, Order, OrderItem, lines_left
from domain.order_return import OrderReturn, ReturnReason, ReturnScan, ReturnStatus
from domain.points import PointsEntry, PointsReason
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.pricing import ShippingPolicy, return_refund
from domain.status import DeliveryStatus
from domain.steps.tracking import ParcelReport
from domain.validation import check_return

RETURN_REQUESTED = "return requested: "
"""How the history's entries of a return begin (the timeline words them by these)."""
RETURN_COLLECTING = "return parcel registered: "
RETURN_PICKED_UP = "return parcel picked up: "
RETURN_RECEIVED = "return received: "


def returnable(items: list[OrderItem], returns: list[OrderReturn]) -> dict[int, int]:
    """Copies of each book delivered and neither given back yet nor on their way back."""
    left = {item.product_id: item.quantity for item in items}
    for open_return in (r for r in returns if r.open):
        for product_id, copies in open_return.lines:
            left[product_id] = left.get(product_id, 0) - copies
    return left


async def request_return(
    command: RequestReturn, uow: UnitOfWorkFactory, policy: ReturnPolicy, now: datetime
) -> Order:
    """Keep the return and raise `return.requested`; `Refused` outside the return period, or
    for more copies than are left to return."""
    check_return(command.lines, command.idempotency_key)
    asked = CopiesAsked.of("requestReturn", command)
    async with uow() as work:
        order, answered = await asked.lock(work)
        if answered:
            return order
        left = returnable(await work.orders.items(order.id), await work.returns.of_order(order.id))
        situation = Situation(
            order.status, await work.orders.delivered_at(order.id), sum(left.values())
        )
        if not (allowed := can_return(situation, policy, now)).possible:
            raise allowed.refusal()
        asked.refuse_beyond(left, "{held} of this book can be returned now, not {copies}")
        number = await work.returns.add(order.id, command.reason, tuple(asked.wanted.items()))
        copies = await asked.named(work)
        await work.orders.record_note(
            order.id,
            HistoryEntry(
                order.status,
                f"{RETURN_REQUESTED}return {number}, {copies} ({command.reason.value})",
                now,
            ),
        )
        await work.outbox.add(Message(Event.RETURN_REQUESTED, order.id, {"return": number}))
        await asked.keep_key(work)
        await work.commit()
    return order


async def follow_return_parcel(
    work: UnitOfWork, report: ParcelReport, shipping: ShippingPolicy, returns: ReturnPolicy
) -> bool:
    """The carrier's report about a return parcel, in the caller's unit of work: its scan kept,
    then picked up, then back at the bookstore (the carrier's DELIVERED). False when no return
    has this parcel. A report seen before, or one that moves nothing (older), changes nothing."""
    found = await work.returns.lock_by_tracking_number(report.tracking_number)
    if found is None:
        return False
    scan = ReturnScan(
        found.order_id,
        found.number,
        report.status,
        report.scan,
        report.location,
        report.occurred_at,
    )
    if not await work.returns.record_scan(scan, report.event_id):
        return True
    if report.status is DeliveryStatus.DELIVERED and found.status is not ReturnStatus.RECEIVED:
        await receive_return(work, found, shipping, returns)
    elif report.status is not DeliveryStatus.PREPARING and found.status is ReturnStatus.COLLECTING:
        await work.returns.set_status(found, ReturnStatus.PICKED_UP)
        order = await work.orders.lock(found.order_id)
        assert order is not None
        await work.orders.record_note(
            order.id,
            HistoryEntry(
                order.status,
                f"{RETURN_PICKED_UP}return {found.number}, parcel {report.tracking_number}",
                datetime.now(UTC),
            ),
        )
    return True


async def receive_return(
    work: UnitOfWork, found: OrderReturn, shipping: ShippingPolicy, returns: ReturnPolicy
) -> Order:
    """The return is back: the order gives its copies back, as a numbered part."""
    order = await work.orders.lock(found.order_id)
    assert order is not None
    items = await work.orders.items(order.id)
    back = dict(found.lines)
    remaining = lines_left(items, back)
    earlier = await work.returns.of_order(order.id)
    refund = return_refund(
        order.money,
        [item.priced for item in remaining],
        shipping,
        customer_pays=found.reason is ReturnReason.CHANGE_OF_MIND,
        return_fee=returns.fee,
        return_fees_kept=sum(r.fee_kept for r in earlier if r.status is ReturnStatus.RECEIVED),
    )
    money = refund.after
    now = datetime.now(UTC)
    after = order.with_part_given_back(money, now)
    part = after.partial_cancellations
    kept = money.shipping_fee - order.shipping_fee
    taken_back = order.points_to_earn - money.points_to_earn
    await work.orders.record_lines_cancelled(
        after,
        {item.product_id: item.quantity - back.get(item.product_id, 0) for item in items},
        HistoryEntry(
            order.status,
            f"{RETURN_RECEIVED}return {found.number} (part {part}): back ₩{refund.card:,} to "
            f"the card, {refund.points:,} points; fees kept ₩{kept:,}; "
            f"{taken_back:,} points earned taken back",
            now,
        ),
    )
    await work.returns.received(found, refund.return_fee_kept)
    if refund.points:
        await work.points.add(
            PointsEntry(order.member_id, order.id, PointsReason.RETURNED, refund.points, part)
        )
    if taken_back:
        await work.points.add(
            PointsEntry(order.member_id, order.id, PointsReason.TAKEN_BACK, -taken_back, part)
        )
    await work.outbox.add(
        Message(
            Event.RETURN_RECEIVED,
            order.id,
            {"part": part, "lines": [list(line) for line in found.lines], "card": refund.card},
        )
    )
    return after
