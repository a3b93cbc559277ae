"""Books as orders see them, and their stock levels."""

from __future__ import annotations

from dataclasses import dataclass

from domain.money import Money


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
    stock: StockLevel


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
