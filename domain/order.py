"""The order aggregate as it is read: the order, its lines, its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.money import Money
from domain.status import CancelReason, OrderStatus


@dataclass(frozen=True, slots=True)
class Address:
    recipient: str
    phone: str
    zip_code: str
    line1: str
    line2: str | None


@dataclass(frozen=True, slots=True)
class OrderItem:
    id: int
    order_id: UUID
    product_id: int
    quantity: int
    unit_price: Money

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Order:
    id: UUID
    number: str
    member_id: str
    status: OrderStatus
    cancel_reason: CancelReason | None
    total: Money
    shipping_address: Address
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order_id: UUID
    status: OrderStatus
    occurred_at: datetime
    message: str | None
