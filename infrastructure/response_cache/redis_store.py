"""The response store in Redis: each check and write one Lua script, so that no invalidation
can fall between a check and the write it allows.

Keys, under the prefix: `entry:<key>` the answer (prefixed by the time it was stored) with its
expiry; `tag:<tag>` the set of entry keys filed under it; `dropped:<tag>` when it was last
dropped; `index` the entries by age, trimmed to the bound (oldest first).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import redis.asyncio as redis
from redis.exceptions import RedisError

from domain.answers import Cached, Lookup
from infrastructure.outage import OutageGuard
from infrastructure.redis_clock import SERVER_CLOCK
from infrastructure.response_cache.store import DROPPED_STAMP_SECONDS, Bounds, counted

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 0.5
COOL_DOWN_SECONDS = 5.0
POOL_SIZE = 32

_LOOKUP = (
    SERVER_CLOCK
    + """
return {redis.call('GET', KEYS[1]), now}
"""
)

_PUT = (
    SERVER_CLOCK
    + """
local n = tonumber(ARGV[5])
local since = tonumber(ARGV[3])
for i = 1, n do
  local dropped = redis.call('GET', KEYS[2 + n + i])
  if dropped and tonumber(dropped) >= since then return 0 end
end
local ttl = tonumber(ARGV[2])
local stored_at = string.format('%d', math.floor(now / 1000))
redis.call('SET', KEYS[1], stored_at .. '\\n' .. ARGV[1], 'PX', ttl)
for i = 1, n do
  local tag = KEYS[2 + i]
  redis.call('SADD', tag, KEYS[1])
  if redis.call('PTTL', tag) < ttl then redis.call('PEXPIRE', tag, ttl) end
end
redis.call('ZADD', KEYS[2], now, KEYS[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #oldest, 2 do redis.call('DEL', oldest[i]) end
end
return 1
"""
)

_INVALIDATE = (
    SERVER_CLOCK
    + """
local n = tonumber(ARGV[1])
local dropped = 0
for i = 1, n do
  for _, key in ipairs(redis.call('SMEMBERS', KEYS[1 + i])) do
    dropped = dropped + redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], key)
  end
  redis.call('DEL', KEYS[1 + i])
  redis.call('SET', KEYS[1 + n + i], string.format('%d', now), 'PX', ARGV[2])
end
return dropped
"""
)


class RedisAnswerStore:
    def __init__(self, url: str, prefix: str, bounds: Bounds) -> None:
        self._redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=CALL_TIMEOUT_SECONDS,
            socket_timeout=CALL_TIMEOUT_SECONDS,
            max_connections=POOL_SIZE,
        )
        self._prefix = f"{prefix}:responses"
        self._bounds = bounds
        self._outage = OutageGuard("response cache", COOL_DOWN_SECONDS)
        self._lookup = self._redis.register_script(_LOOKUP)
        self._put = self._redis.register_script(_PUT)
        self._invalidate = self._redis.register_script(_INVALIDATE)

    def _entry(self, key: str) -> str:
        return f"{self._prefix}:entry:{key}"

    def _tags(self, tags: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:tag:{tag}" for tag in tags]

    def _stamps(self, tags: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:dropped:{tag}" for tag in tags]

    @property
    def _index(self) -> str:
        return f"{self._prefix}:index"

    async def lookup(self, key: str) -> Lookup | None:
        if not self._outage.available():
            return None
        try:
            value, now = await self._lookup(keys=[self._entry(key)])
        except (RedisError, OSError) as exc:
            self._outage.failed("read", exc, "answering from the database")
            return None
        counted(value is not None)
        if value is None:
            return Lookup(None, int(now) // 1000, int(now))
        stored_at, _, body = bytes(value).partition(b"\n")
        return Lookup(Cached(body, int(stored_at)), int(now) // 1000, int(now))

    async def put(
        self, key: str, body: bytes, *, max_age: int, tags: Sequence[str], since: int
    ) -> bool:
        if len(body) > self._bounds.entry_bytes or max_age <= 0 or not self._outage.available():
            return False
        try:
            kept = await self._put(
                keys=[self._entry(key), self._index, *self._tags(tags), *self._stamps(tags)],
                args=[body, max_age * 1000, since, self._bounds.entries, len(tags)],
            )
        except (RedisError, OSError) as exc:
            self._outage.failed("write", exc, "answering from the database")
            return False
        return bool(kept)

    async def invalidate(self, tags: Sequence[str]) -> int:
        """Not skipped during a cool-down, and raising: a stale answer is worse than a wait."""
        dropped = await self._invalidate(
            keys=[self._index, *self._tags(tags), *self._stamps(tags)],
            args=[len(tags), DROPPED_STAMP_SECONDS * 1000],
        )
        return int(dropped)

    async def invalidate_now(self, tags: Sequence[str]) -> None:
        if not self._outage.available():
            return
        try:
            await self.invalidate(tags)
        except (RedisError, OSError) as exc:
            self._outage.failed("drop", exc, "leaving the drop to the events")

    async def close(self) -> None:
        await self._redis.aclose()
