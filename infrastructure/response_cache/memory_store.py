"""The response store in this process, for the embedded default: the same rules as Redis's
(`redis_store.py`), the oldest entry evicted first."""

from __future__ import annotations

import time
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from domain.answers import Cached, Lookup
from infrastructure.response_cache.store import DROPPED_STAMP_SECONDS, Bounds, counted


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class _Entry:
    cached: Cached
    expires_at_ms: int
    tags: tuple[str, ...]


class MemoryAnswerStore:
    def __init__(self, bounds: Bounds) -> None:
        self._bounds = bounds
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._tags: defaultdict[str, set[str]] = defaultdict(set)
        self._drops = 0
        """How many drops this store made: the mark of a lookup."""
        self._dropped: OrderedDict[str, tuple[int, int]] = OrderedDict()
        """Each tag's last drop (its mark and time), oldest first."""

    async def lookup(self, key: str) -> Lookup | None:
        now = _now_ms()
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at_ms <= now:
            self._remove(key)
            entry = None
        counted(entry is not None)
        return Lookup(entry.cached if entry else None, now, self._drops)

    async def put(
        self, key: str, body: bytes, *, max_age: int, tags: Sequence[str], since: int
    ) -> bool:
        if len(body) > self._bounds.entry_bytes or max_age <= 0:
            return False
        now = _now_ms()
        horizon = now - DROPPED_STAMP_SECONDS * 1000
        while self._dropped and next(iter(self._dropped.values()))[1] < horizon:
            self._dropped.popitem(last=False)
        if any(self._dropped.get(tag, (-1, 0))[0] > since for tag in tags):
            return False
        self._remove(key)
        self._entries[key] = _Entry(Cached(body, now), now + max_age * 1000, tuple(tags))
        for tag in tags:
            self._tags[tag].add(key)
        while len(self._entries) > self._bounds.entries:
            self._remove(next(iter(self._entries)))
        return True

    async def invalidate(self, tags: Sequence[str]) -> int:
        now = _now_ms()
        self._drops += 1
        dropped = 0
        for tag in tags:
            for key in list(self._tags.get(tag, ())):
                dropped += self._remove(key)
            self._dropped.pop(tag, None)
            self._dropped[tag] = (self._drops, now)
        return dropped

    async def invalidate_now(self, tags: Sequence[str]) -> None:
        await self.invalidate(tags)

    def _remove(self, key: str) -> bool:
        entry = self._entries.pop(key, None)
        if entry is None:
            return False
        for tag in entry.tags:
            keys = self._tags[tag]
            keys.discard(key)
            if not keys:
                del self._tags[tag]
        return True

    async def close(self) -> None:
        return None
