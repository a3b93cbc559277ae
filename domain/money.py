from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CURRENCY = "KRW"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's smallest unit (KRW has none: 15000 is ₩15,000)."""

    amount: int
    currency: str = DEFAULT_CURRENCY

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, factor: int) -> Money:
        return Money(self.amount * factor, self.currency)
