"""The order moves itself through the status table and says what the move raises."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.messages import Event
from domain.money import Money
from domain.order import HistoryEntry, Order
from domain.status import CancelReason, OrderStatus, TransitionNotAllowed
from tests.unit.fakes import ADDRESS

S = OrderStatus
PLACED_AT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
LATER = PLACED_AT + timedelta(minutes=5)


def _order(status: OrderStatus) -> Order:
    return Order(
        uuid4(),
        "20261124-AAAAAAAA",
        "m-1",
        status,
        None,
        Money(15_000),
        ADDRESS,
        PLACED_AT,
        PLACED_AT,
    )


def test_a_move_gives_the_order_as_it_now_is_its_history_entry_and_its_message() -> None:
    order = _order(S.PENDING)

    move = order.move_to(S.STOCK_RESERVED, "stock reserved", at=LATER)

    assert move.order == dataclasses.replace(order, status=S.STOCK_RESERVED, updated_at=LATER)
    assert move.entry == HistoryEntry(S.STOCK_RESERVED, "stock reserved", LATER)
    [message] = move.raised
    assert (message.name, message.order_id, message.payload) == (
        Event.STOCK_RESERVED,
        order.id,
        {},
    )
    assert order.status is S.PENDING  # the order itself is a value: unchanged


@pytest.mark.parametrize(
    ("current", "target", "raised"),
    [
        (S.STOCK_RESERVED, S.PAID, [Event.PAYMENT_APPROVED]),
        (S.PAID, S.PREPARING, []),
        (S.PREPARING, S.SHIPPED, []),
        (S.SHIPPED, S.DELIVERED, []),
    ],
)
def test_each_move_raises_the_message_the_next_step_waits_for(
    current: OrderStatus, target: OrderStatus, raised: list[Event]
) -> None:
    move = _order(current).move_to(target, "moved")
    assert move.order.status is target
    assert [message.name for message in move.raised] == raised


def test_a_cancellation_carries_its_reason_into_the_order_and_its_message() -> None:
    order = _order(S.PAID)

    move = order.cancel(CancelReason.PAYMENT_FAILED, "payment failed: down", at=LATER)

    assert move.order.status is S.CANCELLED
    assert move.order.cancel_reason is CancelReason.PAYMENT_FAILED
    assert move.entry == HistoryEntry(S.CANCELLED, "payment failed: down", LATER)
    [message] = move.raised
    assert (message.name, message.payload) == (Event.ORDER_CANCELLED, {"reason": "PAYMENT_FAILED"})


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.PENDING, S.PAID), (S.CANCELLED, S.STOCK_RESERVED), (S.DELIVERED, S.SHIPPED)],
)
def test_a_move_outside_the_table_is_refused(current: OrderStatus, target: OrderStatus) -> None:
    order = _order(current)
    assert not order.can_move_to(target)
    with pytest.raises(TransitionNotAllowed):
        order.move_to(target, "no")


@pytest.mark.parametrize("current", [S.SHIPPED, S.DELIVERED, S.CANCELLED])
def test_an_order_past_cancelling_cannot_be_cancelled(current: OrderStatus) -> None:
    with pytest.raises(TransitionNotAllowed):
        _order(current).cancel(CancelReason.CUSTOMER_REQUEST, "too late")


def test_a_cancellation_always_says_why() -> None:
    with pytest.raises(ValueError, match=r"Order\.cancel"):
        _order(S.PENDING).move_to(S.CANCELLED, "no reason given")
