"""Placing and cancelling orders: validate, write the change and its outbox message together."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from uuid import uuid4

from domain.access import lock_order_of
from domain.actions import Situation, can_cancel
from domain.commands import CancelOrder, PlaceOrder
from domain.idempotency import fingerprint, same_request_or_conflict
from domain.messages import Event, Message
from domain.moments import SEOUL
from domain.moves import keep
from domain.order import Order, OrderDraft
from domain.points import PointsEntry, PointsReason
from domain.ports import OrderPlacer, Placement, UnitOfWorkFactory
from domain.pricing import ShippingPolicy
from domain.problems import Problem, ProblemCode, Refused, refuse
from domain.status import CancelReason, OrderStatus
from domain.validation import check_cancel_order, check_place_order, merge_lines

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""What an order number's suffix is drawn from: no 0/O, no 1/I."""


NUMBER_ATTEMPTS = 5


def new_order_number(now: datetime) -> str:
    """`20261124-7F3K9QX2`: the day in Seoul, as the customer knows it (an order placed at
    00:30 in Seoul is of that day, though it is the day before in UTC), then eight characters
    nobody misreads (no 0/O, 1/I). 32**8 a day makes a clash rare; `place_order` draws again
    when one happens."""
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"{now.astimezone(SEOUL):%Y%m%d}-{suffix}"


def request_fingerprint(command: PlaceOrder) -> str:
    """What makes two requests with one idempotency key the same request."""
    address = command.address
    return fingerprint(
        {
            "lines": sorted(
                (line.product_id, line.quantity) for line in merge_lines(command.lines)
            ),
            "address": list(address.parts().values()),
            "token": command.payment_token,
            "points": command.points,
        }
    )


def _same_request_or_conflict(found: tuple[Order, str | None], request: str) -> Order:
    order, first = found
    same_request_or_conflict(first, request, "order")
    return order


async def place_order(command: PlaceOrder, orders: OrderPlacer, now: datetime) -> Order:
    """Record the order in PENDING with its `order.placed` message; answer with the order.

    With an idempotency key, the same member sending the same request again gets the first
    order back: the unique (member, key) constraint refuses the second write, whether the
    first one came long before or at the same moment.
    """
    check_place_order(command)
    member_id = command.viewer.member.id
    key = command.idempotency_key
    request = request_fingerprint(command)
    draft = OrderDraft(
        id=uuid4(),
        number=new_order_number(now),
        member_id=member_id,
        lines=tuple((line.product_id, line.quantity) for line in merge_lines(command.lines)),
        shipping_address=command.address.stripped(),
        payment_token=command.payment_token,
        idempotency_key=key,
        request_fingerprint=request,
        created_at=now,
        points_to_spend=command.points,
    )
    for _ in range(NUMBER_ATTEMPTS):
        placement = await orders.place(draft)
        missing = [
            ("items", str(i), "productId")
            for i, line in enumerate(command.lines)
            if line.product_id not in placement.prices
        ]
        if missing:
            raise Refused(
                [Problem(ProblemCode.NOT_FOUND, "no book has this id", p) for p in missing]
            )
        if placement.points_short:
            raise refuse(
                ProblemCode.NOT_ENOUGH_POINTS,
                f"you have fewer points than the {command.points} this order would spend",
                ("points",),
            )
        if placement.order is not None:
            return placement.order
        if key is not None:
            found = await orders.placed_with_key(member_id, key)
            if found is not None:  # the same request, sent again or twice at once
                return _same_request_or_conflict(found, request)
        draft = dataclasses.replace(draft, number=new_order_number(now))  # drawn twice
    raise RuntimeError(f"no free order number after {NUMBER_ATTEMPTS} draws")


async def place_in_unit_of_work(
    uow: UnitOfWorkFactory, draft: OrderDraft, policy: ShippingPolicy
) -> Placement:
    """`OrderPlacer.place` as one unit of work: price the lines, write the order, spend its
    points (the member's points held until the commit, so two orders cannot spend one
    balance), and its `order.placed` message; or nothing."""
    async with uow() as work:
        prices = await work.catalogue.prices([product_id for product_id, _ in draft.lines])
        if len(prices) < len(draft.lines):
            return Placement(prices)
        new = draft.priced(prices, policy)
        spent = new.money.points_used
        if spent:
            # before the order's row: its foreign key share-locks the member's row, and two
            # orders each holding that share while waiting for the other's to lock it for
            # update would deadlock
            await work.points.lock_member(draft.member_id)
        if not await work.orders.add(new):
            return Placement(prices)
        if spent:
            if await work.points.balance(draft.member_id) < spent:
                return Placement(prices, points_short=True)
            await work.points.add(
                PointsEntry(draft.member_id, draft.id, PointsReason.SPENT, -spent)
            )
        await work.outbox.add(Message(Event.ORDER_PLACED, draft.id))
        await work.commit()
    return Placement(prices, new.placed())


async def cancel_order(command: CancelOrder, uow: UnitOfWorkFactory) -> Order:
    """Cancel until the parcel is picked up; the workers then release stock and refund."""
    check_cancel_order(command)
    async with uow() as work:
        order = await lock_order_of(work, command.viewer, command.order_id)
        if order.status is OrderStatus.CANCELLED:
            return order  # asked again: it is cancelled, as asked
        if not (allowed := can_cancel(Situation(order.status))).possible:
            raise allowed.refusal()
        cancelled = await keep(
            work,
            order.cancel(
                CancelReason.CUSTOMER_REQUEST,
                command.reason or "cancelled at the customer's request",
            ),
        )
        await work.commit()
    return cancelled
