"""Books as orders see them, and their stock levels."""

from __future__ import annotations

from dataclasses import dataclass

from domain.money import Money
from domain.pricing import NO_RATES, BookPrice, BookRates


@dataclass(frozen=True, slots=True)
class StockLevel:
    available: int
    reserved: int


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    isbn: str
    title: str
    author: str
    publisher: str | None
    price: Money
    """The list price (정가), set by the publisher."""
    stock: StockLevel
    rates: BookRates = NO_RATES

    @property
    def priced(self) -> BookPrice:
        """One copy as the shop sells it: its sale price (판매가) and the points it earns."""
        return BookPrice(self.price.amount, self.rates)


def isbn13_check_digit(first_twelve: str) -> int:
    """The ISBN-13 check digit: weights 1 and 3 alternating, modulo 10."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid_isbn13(isbn: str) -> bool:
    return (
        len(isbn) == 13
        and isbn.isascii()
        and isbn.isdigit()
        and isbn13_check_digit(isbn[:12]) == int(isbn[12])
    )
