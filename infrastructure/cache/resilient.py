"""The cache adapter: aiocache (Redis or in-memory) behind our port, tolerant of outages.

A cache that is down must cost a request nothing but speed, so every call has a short timeout
and any failure is logged and answered as a miss. After a failure the adapter stays away for a
short cool-down, so that a dead Redis does not add its timeout to every request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import redis.asyncio as redis
from aiocache import RedisCache, SimpleMemoryCache
from aiocache.base import BaseCache
from aiocache.serializers import NullSerializer

from infrastructure.outage import OutageGuard

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 0.5
POOL_SIZE = 32
COOL_DOWN_SECONDS = 5.0


def _backend(url: str, namespace: str, call_timeout: float) -> BaseCache:
    """Values are bytes already (orjson), so they are stored as they are."""
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return SimpleMemoryCache(serializer=NullSerializer(encoding=None), namespace=namespace)
    database = parts.path.lstrip("/")
    return RedisCache(
        serializer=NullSerializer(encoding=None),
        namespace=namespace,
        endpoint=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=int(database) if database else 0,
        password=parts.password,
        create_connection_timeout=call_timeout,
        timeout=call_timeout,
        # under a burst, wait for a free connection rather than fail (and cool down) at once
        connection_pool_class=redis.BlockingConnectionPool,
        pool_max_size=POOL_SIZE,
        connection_pool_kwargs={"timeout": call_timeout},
    )


class ResilientCache:
    def __init__(self, backend: BaseCache) -> None:
        self._backend = backend
        self._outage = OutageGuard("cache", COOL_DOWN_SECONDS)

    def _available(self) -> bool:
        return self._outage.available()

    def _failed(self, operation: str, exc: BaseException) -> None:
        self._outage.failed(operation, exc, "serving without cache")

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys or not self._available():
            return [None] * len(keys)
        try:
            values: list[bytes | None] = await self._backend.multi_get(list(keys))
        except Exception as exc:  # noqa: BLE001 - an outage of any kind is a miss
            self._failed("read", exc)
            return [None] * len(keys)
        return values

    async def set_many(self, items: Mapping[str, bytes], ttl: int) -> None:
        if not items or not self._available():
            return
        try:
            await self._backend.multi_set(list(items.items()), ttl=ttl)
        except Exception as exc:  # noqa: BLE001
            self._failed("write", exc)

    async def delete_many(self, keys: Sequence[str]) -> None:
        """Invalidate keys. Not skipped during a cool-down: a stale entry is worse than a wait."""
        try:
            for key in keys:
                await self._backend.delete(key)
        except Exception as exc:  # noqa: BLE001
            self._failed("delete", exc)

    async def ping(self) -> bool:
        """Whether the backend answers now (raises when it does not), cool-down or not."""
        await self._backend.exists("ping")
        return True

    async def close(self) -> None:
        try:
            await self._backend.close()
        except Exception as exc:  # noqa: BLE001
            log.warning("cache close failed: %r", exc)


def create_cache(
    url: str, namespace: str, call_timeout: float = CALL_TIMEOUT_SECONDS
) -> ResilientCache:
    """`call_timeout` bounds each Redis call; past it the call fails open (a miss, no write).
    Tests of the round trip itself give it room, so a loaded machine cannot fail them open."""
    return ResilientCache(_backend(url, namespace, call_timeout))
