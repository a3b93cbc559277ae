from __future__ import annotations

import pytest

from domain.status import (
    ALLOWED_TRANSITIONS,
    FINAL_STATUSES,
    OrderStatus,
    TransitionNotAllowed,
    can_transition,
    transition,
)

S = OrderStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.PENDING, S.STOCK_RESERVED),
        (S.STOCK_RESERVED, S.PAID),
        (S.PAID, S.PREPARING),
        (S.PREPARING, S.SHIPPED),
        (S.SHIPPED, S.DELIVERED),
        (S.PENDING, S.CANCELLED),
        (S.STOCK_RESERVED, S.CANCELLED),
        (S.PAID, S.CANCELLED),
        (S.PREPARING, S.CANCELLED),
    ],
)
def test_the_life_of_an_order_moves_forward_or_to_cancelled(
    current: OrderStatus, target: OrderStatus
) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.SHIPPED, S.CANCELLED),
        (S.DELIVERED, S.CANCELLED),
        (S.CANCELLED, S.PAID),
        (S.PAID, S.PENDING),
        (S.PENDING, S.PAID),
        (S.PENDING, S.PENDING),
    ],
)
def test_moves_outside_the_table_are_refused(current: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(TransitionNotAllowed, match=f"{current.value} cannot move"):
        transition(current, target)


def test_final_statuses_lead_nowhere_and_every_status_has_a_row() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(OrderStatus)
    for status in FINAL_STATUSES:
        assert not any(can_transition(status, target) for target in OrderStatus)
