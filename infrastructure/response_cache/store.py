"""What the response cache keeps, and the port its two adapters (Redis, in memory) implement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

DROPPED_STAMP_SECONDS = 60
"""How long a tag remembers when it was last dropped. An answer read before that moment is
not stored after it (`ResponseStore.put`), so this must outlast the slowest request."""


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


@dataclass(frozen=True, slots=True)
class Bounds:
    entries: int
    entry_bytes: int
    """An answer larger than this is not kept; the store holds at most entries times entry_bytes."""


class ResponseStore(Protocol):
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

    async def close(self) -> None: ...
