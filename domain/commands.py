"""What callers ask the order service to do, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.member import Viewer
from domain.order import Address
from domain.order_return import ReturnReason
from domain.pricing import NO_RATES, BookRates


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    viewer: Viewer
    lines: tuple[OrderLine, ...]
    address: Address
    payment_token: str | None
    idempotency_key: str | None
    points: int = 0
    """Points to spend on the amount due."""


@dataclass(frozen=True, slots=True)
class CancelOrder:
    viewer: Viewer
    order_id: UUID
    reason: str | None


@dataclass(frozen=True, slots=True)
class CancelOrderLines:
    """Cancel these copies of an order's lines (부분취소)."""

    viewer: Viewer
    order_id: UUID
    lines: tuple[OrderLine, ...]
    reason: str | None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class RequestReturn:
    """반품: send these copies of a delivered order back."""

    viewer: Viewer
    order_id: UUID
    lines: tuple[OrderLine, ...]
    reason: ReturnReason
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeDeliveryAddress:
    """배송지 변경: deliver the order to this address instead."""

    viewer: Viewer
    order_id: UUID
    address: Address


@dataclass(frozen=True, slots=True)
class CreateProduct:
    isbn: str
    title: str
    author: str
    publisher: str | None
    price: int
    """The list price (정가)."""
    initial_stock: int
    rates: BookRates = NO_RATES


@dataclass(frozen=True, slots=True)
class ChangeBookRates:
    """Staff set a book's discount rate and points rate, within 도서정가제."""

    product_id: int
    rates: BookRates


@dataclass(frozen=True, slots=True)
class AdjustStock:
    product_id: int
    delta: int
