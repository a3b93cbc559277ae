"""Token buckets of cost points, per client: in Redis (shared by every API process) or in
memory (the embedded default). A Redis outage fails open: requests pass, with a warning."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import redis.asyncio as redis
from cachetools import TTLCache
from redis.exceptions import RedisError

from infrastructure.outage import OutageGuard
from resolvers.ports import Bucket

CALL_TIMEOUT_SECONDS = 0.5
COOL_DOWN_SECONDS = 5.0
OWED_CLIENTS = 10_000
OWED_SECONDS = 60.0

# Refill for the time elapsed (Redis's own clock, the same for every API process) and add the
# points given back, then take the cost if it is there. Returns {allowed, available}.
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local given_back = tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
points = math.min(capacity, points + math.max(0, now - at) * rate + given_back)
local allowed = 0
if cost <= points then
  points = math.min(capacity, points - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return {allowed, tostring(points)}
"""


def _bucket(allowed: bool, available: float, cost: int, capacity: int, rate: float) -> Bucket:
    wait = 0.0 if allowed else math.ceil((cost - available) / rate * 10) / 10
    return Bucket(allowed, available, capacity, rate, wait)


class _Refusals:
    """Each client's last refusal in this process, until its `retry_after` has run out."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: TTLCache[str, tuple[float, Bucket]] = TTLCache(
            OWED_CLIENTS, OWED_SECONDS, timer=clock
        )

    def note(self, client: str, bucket: Bucket) -> Bucket:
        if not bucket.allowed:
            self._last[client] = (self._clock() + bucket.retry_after, bucket)
        return bucket

    def lately(self, client: str) -> Bucket | None:
        until, bucket = self._last.get(client, (0.0, None))
        remaining = until - self._clock()
        if bucket is None or remaining <= 0:
            return None
        return replace(bucket, retry_after=math.ceil(remaining * 10) / 10)


class RedisRateLimiter:
    """Points a request did not use are owed to its client and handed back with the client's
    next `take` in this process, in the same script: one round trip to Redis per request.
    Points owed to a client not seen again within a minute are dropped; by then its bucket
    has refilled on its own (at the default rate, a full bucket takes 10 s)."""

    def __init__(
        self,
        url: str,
        prefix: str,
        *,
        capacity: int,
        restore_rate: float,
        call_timeout: float = CALL_TIMEOUT_SECONDS,
    ) -> None:
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=32,
            timeout=call_timeout,
            socket_timeout=call_timeout,
            socket_connect_timeout=call_timeout,
        )
        self._redis = redis.Redis(connection_pool=pool)
        self._script = self._redis.register_script(_TAKE)
        self._prefix = prefix
        self._capacity = capacity
        self._rate = restore_rate
        self._outage = OutageGuard("rate limiter", COOL_DOWN_SECONDS)
        self._owed: TTLCache[str, int] = TTLCache(OWED_CLIENTS, OWED_SECONDS)
        self._refusals = _Refusals()

    async def _run(self, client: str, cost: int) -> tuple[bool, float] | None:
        if not self._outage.available():
            return None
        owed = self._owed.pop(client, 0)
        try:
            allowed, points = cast(
                "list[Any]",
                await self._script(
                    keys=[f"{self._prefix}:bucket:{client}"],
                    args=[self._capacity, self._rate, cost, owed],
                ),
            )
        except (RedisError, OSError) as exc:
            self._outage.failed("call", exc, "letting requests through unmetered")
            return None
        return bool(allowed), float(points)

    async def take(self, client: str, cost: int) -> Bucket:
        outcome = await self._run(client, cost)
        if outcome is None:  # fail open
            return Bucket(True, float(self._capacity), self._capacity, self._rate)
        allowed, available = outcome
        return self._refusals.note(
            client, _bucket(allowed, available, cost, self._capacity, self._rate)
        )

    async def give_back(self, client: str, points: int) -> None:
        if points > 0:
            self._owed[client] = self._owed.get(client, 0) + points

    def refused_lately(self, client: str) -> Bucket | None:
        return self._refusals.lately(client)

    async def close(self) -> None:
        await self._redis.aclose()


MEMORY_CLIENTS = 100_000
"""The most clients the in-memory limiter keeps a bucket for at once."""


class MemoryRateLimiter:
    """A client's bucket is forgotten once it would be full again, as Redis expires its key;
    beyond MEMORY_CLIENTS clients within that time the least recently seen go first (their
    next request starts from a full bucket), so that a stream of new clients, every address of
    a scan, cannot grow the process without bound."""

    def __init__(
        self,
        *,
        capacity: int,
        restore_rate: float,
        max_clients: int = MEMORY_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._capacity = capacity
        self._rate = restore_rate
        self._clock = clock
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(
            max_clients, math.ceil(capacity / restore_rate) + 1, timer=clock
        )
        self._refusals = _Refusals(clock)

    def _refilled(self, client: str) -> float:
        now = self._clock()
        points, at = self._buckets.get(client, (float(self._capacity), now))
        return min(self._capacity, points + (now - at) * self._rate)

    async def take(self, client: str, cost: int) -> Bucket:
        points = self._refilled(client)
        allowed = cost <= points
        if allowed:
            points -= cost
        self._buckets[client] = (points, self._clock())
        return self._refusals.note(
            client, _bucket(allowed, points, cost, self._capacity, self._rate)
        )

    async def give_back(self, client: str, points: int) -> None:
        if points > 0:
            refilled = min(self._capacity, self._refilled(client) + points)
            self._buckets[client] = (refilled, self._clock())

    def refused_lately(self, client: str) -> Bucket | None:
        return self._refusals.lately(client)

    async def close(self) -> None:
        return None
