from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.money import Money
from domain.status import PaymentStatus


@dataclass(frozen=True, slots=True)
class Payment:
    id: UUID
    order_id: UUID
    status: PaymentStatus
    amount: Money
    transaction_id: str | None
    attempts: int
    approved_at: datetime | None
    refunded: int = 0
    """What the order's numbered parts (partial cancellations, returns) gave back so far, in
    won."""

    @property
    def left(self) -> Money:
        """What the charge still holds: its amount less its partial refunds."""
        return Money(self.amount.amount - self.refunded, self.amount.currency)


class PaymentEventKind(StrEnum):
    APPROVED = "APPROVED"
    REFUNDED = "REFUNDED"
    """The whole charge, or what partial refunds left of it, given back."""
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    """A part given back (a partial cancellation, a return)."""


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """What happened to an order's money at the gateway, and when: the payment's history."""

    order_id: UUID
    kind: PaymentEventKind
    amount: int
    """In won: what was charged, or given back."""
    occurred_at: datetime
