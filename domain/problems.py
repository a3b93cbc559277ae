"""Refusals a caller can act on: a code, the input field at fault, and a sentence for a person."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProblemCode(StrEnum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    INVALID_STATE = "INVALID_STATE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    BOOK_PRICE_LAW = "BOOK_PRICE_LAW"
    """A book's rates break 도서정가제 (the discount, or the discount and the points together)."""
    NOT_ENOUGH_POINTS = "NOT_ENOUGH_POINTS"
    """The points to spend are more than the member's balance."""


@dataclass(frozen=True, slots=True)
class Problem:
    code: ProblemCode
    message: str
    field: tuple[str, ...] | None = None


class Refused(Exception):
    """A use case refused its command; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def refuse(code: ProblemCode, message: str, field: tuple[str, ...] | None = None) -> Refused:
    return Refused([Problem(code, message, field)])
