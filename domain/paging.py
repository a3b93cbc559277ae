"""Pages of a list, asked for by size and a position after which to start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from domain.status import OrderStatus

T = TypeVar("T")

MAX_PAGE_SIZE = 100

OrderPosition = tuple[datetime, UUID]
"""Where a page of orders starts: after the order with this (created_at, id), newest first."""


class PageSizeError(ValueError):
    pass


def check_page_size(first: int) -> int:
    if first < 0:
        raise PageSizeError("first must not be negative")
    if first > MAX_PAGE_SIZE:
        raise PageSizeError(f"first is {first}; a page holds at most {MAX_PAGE_SIZE}")
    return first


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows in list order; `has_next` tells whether rows follow it."""

    items: list[T]
    has_next: bool


@dataclass(frozen=True, slots=True)
class OrderCriteria:
    """Which orders a listing covers. `member_id` None means every member (staff only)."""

    member_id: str | None
    statuses: tuple[OrderStatus, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None
