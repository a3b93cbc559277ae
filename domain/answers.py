"""The response cache as the API and the workers see it: whole answers kept by key, each filed
under the entities it holds (its tags), dropped by tag when one of them changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

ALL_ORDERS = "orders"
"""Staff's answers that list orders of every member: any order placed or changed may be in
them."""
CATALOGUE = "catalogue"
"""Answers that hold a book: dropped when staff add a book or change its stock."""


def order_tag(order_id: UUID) -> str:
    return f"order:{order_id}"


def orders_of(member_id: str) -> str:
    """A member's answers that list their own orders: a new order, or one moving into a list's
    filter, changes them without being in them before."""
    return f"orders-of:{member_id}"


def points_of(member_id: str) -> str:
    """A member's answers that hold its points (balance, entries): every points entry is
    written with an event about its order (spent with the order placed, earned, given back),
    whose consumer drops them."""
    return f"points-of:{member_id}"


def stock_of(product_id: int) -> str:
    """Answers that show a book's stock: dropped right after each commit that changes it (a
    reservation, its commit or release, a return put back, staff's correction)."""
    return f"stock:{product_id}"


def viewer_tag(member_id: str) -> str:
    """Every private answer of a viewer: dropped by their own mutations before they answer."""
    return f"viewer:{member_id}"


def of_order_event(order_id: UUID, member_id: str | None) -> list[str]:
    """What an event about an order makes stale (its member's lists and points when the order
    is known)."""
    tags = [order_tag(order_id), ALL_ORDERS]
    if member_id is not None:
        tags.extend((orders_of(member_id), points_of(member_id)))
    return tags


@dataclass(frozen=True, slots=True)
class Cached:
    body: bytes
    stored_at_ms: int
    """The store's clock when the answer was stored (its age: `Lookup.now_ms` minus this)."""


@dataclass(frozen=True, slots=True)
class Lookup:
    cached: Cached | None
    now_ms: int
    """The store's clock when it looked, in milliseconds."""
    mark: int
    """Where the store's drops stood when it looked: what is read from the database after the
    lookup may be stored with `since=mark` unless one of its tags is dropped meanwhile."""


class AnswerStore(Protocol):
    async def lookup(self, key: str) -> Lookup | None:
        """The answer kept under `key`, if any; None when the store cannot answer now (then
        nothing read now is stored either). Never raises."""
        ...

    async def put(
        self, key: str, body: bytes, *, max_age: int, tags: Sequence[str], since: int
    ) -> bool:
        """Keep `body` for `max_age` seconds, filed under `tags`, unless it is too large or one
        of its tags was dropped after the lookup that gave `since` (the answer may hold what
        the drop was for). Evicts the oldest entries beyond the bound. Never raises; True when
        kept."""
        ...

    async def invalidate(self, tags: Sequence[str]) -> int:
        """Drop every answer filed under any of `tags`; how many were dropped. Raises when the
        store cannot be reached: an invalidation is retried, never skipped."""
        ...

    async def invalidate_now(self, tags: Sequence[str]) -> None:
        """As `invalidate` when the store can be reached now; else nothing (skipped while it is
        known down, never raising): for the drops that the events make again, later."""
        ...

    async def close(self) -> None: ...
