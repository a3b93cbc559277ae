"""A cache whose write-backs cannot undo a drop: Redis (one Lua script per call) or in memory.

A reader that misses reads the database and writes what it read back. A writer that commits
meanwhile drops the entry; a write-back arriving after that drop would bring the old value back
for the whole lifetime of an entry. So each read hands out a mark (where the store's drops
stood), each drop stamps its keys, and a write-back with `since=mark` skips every key dropped at
or after the mark. A stamp is kept `DROPPED_STAMP_SECONDS`: longer than any read takes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import orjson
import redis.asyncio as redis
from cachetools import TTLCache
from redis.exceptions import RedisError

from infrastructure.outage import OutageGuard
from infrastructure.redis_clock import SERVER_CLOCK
from infrastructure.response_cache.store import DROPPED_STAMP_SECONDS

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 0.5
COOL_DOWN_SECONDS = 5.0
POOL_SIZE = 32
MEMORY_ENTRIES = 100_000
"""The in-memory store's bound; the oldest entries go first."""


@dataclass(frozen=True, slots=True)
class Marked:
    values: list[str | bytes | None]
    """Each key's value, UTF-8 (as text from Redis, as bytes from memory), or None."""
    mark: int | None
    """Where the drops stood when the store read; None when it could not answer (then nothing
    read now is written back)."""


class GuardedCache(Protocol):
    """Bytes by key, each entry kept for the lifetime the store was made with."""

    async def get_many(self, keys: Sequence[str]) -> Marked:
        """Never raises: a store that cannot answer answers misses."""
        ...

    async def put_many(self, items: Mapping[str, bytes], *, since: int) -> None:
        """Write back what was read after the mark `since`, but for the keys dropped since."""
        ...

    async def drop_many(self, keys: Sequence[str]) -> None:
        """Not skipped during an outage's cool-down: a stale entry is worse than a wait."""
        ...

    async def close(self) -> None: ...


_GET = (
    SERVER_CLOCK
    + """
return {cjson.encode(redis.call('MGET', unpack(KEYS))), now}
"""
)
"""The values as one JSON array (a missing one is `false`), not one reply element each: redis-py
parses a reply's elements one by one in Python, about 40 calls each, where `orjson.loads`
takes the whole array in one."""

_PUT = """
local n = #KEYS / 2
local since = tonumber(ARGV[1])
for i = 1, n do
  local dropped = redis.call('GET', KEYS[n + i])
  if not (dropped and tonumber(dropped) >= since) then
    redis.call('SET', KEYS[i], ARGV[2 + i], 'EX', ARGV[2])
  end
end
"""

_DROP = (
    SERVER_CLOCK
    + """
local n = #KEYS / 2
for i = 1, n do
  redis.call('DEL', KEYS[i])
  redis.call('SET', KEYS[n + i], string.format('%d', now), 'EX', ARGV[1])
end
"""
)


class RedisGuardedCache:
    def __init__(
        self, url: str, prefix: str, ttl: int, call_timeout: float = CALL_TIMEOUT_SECONDS
    ) -> None:
        self._ttl = ttl
        self._redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=call_timeout,
            socket_timeout=call_timeout,
            max_connections=POOL_SIZE,
        )
        self._prefix = prefix
        self._outage = OutageGuard("cache", COOL_DOWN_SECONDS)
        self._get = self._redis.register_script(_GET)
        self._put = self._redis.register_script(_PUT)
        self._drop = self._redis.register_script(_DROP)

    def _entries(self, keys: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:{key}" for key in keys]

    def _stamps(self, keys: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:dropped:{key}" for key in keys]

    async def get_many(self, keys: Sequence[str]) -> Marked:
        if not keys or not self._outage.available():
            return Marked([None] * len(keys), None)
        try:
            values, now = await self._get(keys=self._entries(keys))
        except (RedisError, OSError) as exc:
            self._outage.failed("read", exc, "serving without cache")
            return Marked([None] * len(keys), None)
        return Marked([value or None for value in orjson.loads(values)], int(now))

    async def put_many(self, items: Mapping[str, bytes], *, since: int) -> None:
        if not items or not self._outage.available():
            return
        keys = list(items)
        try:
            await self._put(
                keys=[*self._entries(keys), *self._stamps(keys)],
                args=[since, self._ttl, *items.values()],
            )
        except (RedisError, OSError) as exc:
            self._outage.failed("write", exc, "serving without cache")

    async def drop_many(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        try:
            await self._drop(
                keys=[*self._entries(keys), *self._stamps(keys)], args=[DROPPED_STAMP_SECONDS]
            )
        except (RedisError, OSError) as exc:
            self._outage.failed("delete", exc, "serving without cache")

    async def close(self) -> None:
        await self._redis.aclose()


class MemoryGuardedCache:
    """The embedded default's: one process, so a count of drops is the mark."""

    def __init__(self, ttl: int) -> None:
        self._entries: TTLCache[str, bytes] = TTLCache(maxsize=MEMORY_ENTRIES, ttl=ttl)
        self._drops = 0
        self._dropped: TTLCache[str, int] = TTLCache(
            maxsize=MEMORY_ENTRIES, ttl=DROPPED_STAMP_SECONDS
        )
        """Each key's last drop, by its number."""

    async def get_many(self, keys: Sequence[str]) -> Marked:
        return Marked([self._entries.get(key) for key in keys], self._drops)

    async def put_many(self, items: Mapping[str, bytes], *, since: int) -> None:
        for key, value in items.items():
            if self._dropped.get(key, -1) <= since:
                self._entries[key] = value

    async def drop_many(self, keys: Sequence[str]) -> None:
        self._drops += 1
        for key in keys:
            self._entries.pop(key, None)
            self._dropped[key] = self._drops

    async def close(self) -> None:
        return None


def create_guarded_cache(
    url: str, prefix: str, ttl: int, call_timeout: float = CALL_TIMEOUT_SECONDS
) -> GuardedCache:
    if url.startswith("memory://"):
        return MemoryGuardedCache(ttl)
    return RedisGuardedCache(url, prefix, ttl, call_timeout)
