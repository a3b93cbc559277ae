from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    """What partial cancellations gave back so far, in won."""

    @property
    def left(self) -> Money:
        """What the charge still holds: its amount less its partial refunds."""
        return Money(self.amount.amount - self.refunded, self.amount.currency)
