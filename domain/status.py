"""The order's life as one table: every change of status goes through `transition`."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    STOCK_RESERVED = "STOCK_RESERVED"
    PAID = "PAID"
    PREPARING = "PREPARING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"


class CancelReason(StrEnum):
    CUSTOMER_REQUEST = "CUSTOMER_REQUEST"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    DELIVERY_FAILED = "DELIVERY_FAILED"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    FAILED = "FAILED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"
    """The charge was stopped at the gateway before it took any money (the order was cancelled
    while it was being charged, or before it was): nothing taken, nothing to give back."""


class DeliveryStatus(StrEnum):
    PREPARING = "PREPARING"
    PICKED_UP = "PICKED_UP"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    """We cancelled the parcel with the carrier, its order being cancelled. What the carrier
    reports about it afterwards is kept in its tracking events but moves it no more."""


_S = OrderStatus

ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _S.PENDING: frozenset({_S.STOCK_RESERVED, _S.CANCELLED}),
    _S.STOCK_RESERVED: frozenset({_S.PAID, _S.CANCELLED}),
    _S.PAID: frozenset({_S.PREPARING, _S.CANCELLED}),
    _S.PREPARING: frozenset({_S.SHIPPED, _S.CANCELLED}),
    _S.SHIPPED: frozenset({_S.DELIVERED}),
    _S.DELIVERED: frozenset(),
    _S.CANCELLED: frozenset(),
}

FINAL_STATUSES = frozenset({_S.DELIVERED, _S.CANCELLED})


class TransitionNotAllowed(Exception):
    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"an order in {current.value} cannot move to {target.value}")
        self.current = current
        self.target = target


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def transition(current: OrderStatus, target: OrderStatus) -> OrderStatus:
    """Return `target` when the table allows the move, else raise `TransitionNotAllowed`."""
    if not can_transition(current, target):
        raise TransitionNotAllowed(current, target)
    return target
