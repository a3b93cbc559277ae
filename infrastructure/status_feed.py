"""Order status announcements across API processes: Redis pub/sub, or in memory when the
service runs as one process. Subscribers wait on an event per order."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from uuid import UUID

import redis.asyncio as redis
from redis.exceptions import RedisError

from infrastructure.outage import OutageGuard

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0


class _Listeners:
    def __init__(self) -> None:
        self._events: dict[UUID, set[asyncio.Event]] = defaultdict(set)

    def notify(self, order_id: UUID) -> None:
        for event in self._events.get(order_id, ()):
            event.set()

    @asynccontextmanager
    async def listen(self, order_id: UUID) -> AsyncIterator[asyncio.Event]:
        event = asyncio.Event()
        self._events[order_id].add(event)
        try:
            yield event
        finally:
            self._events[order_id].discard(event)
            if not self._events[order_id]:
                del self._events[order_id]

    def __bool__(self) -> bool:
        return bool(self._events)


class MemoryStatusFeed:
    def __init__(self) -> None:
        self._listeners = _Listeners()

    async def announce(self, order_ids: Sequence[UUID]) -> None:
        for order_id in order_ids:
            self._listeners.notify(order_id)

    @asynccontextmanager
    async def listen(self, order_id: UUID) -> AsyncIterator[asyncio.Event]:
        async with self._listeners.listen(order_id) as event:
            yield event

    async def close(self) -> None:
        return None


class RedisStatusFeed:
    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=None)
        self._channel = f"{prefix}:order-status"
        self._listeners = _Listeners()
        self._receiving: asyncio.Task[None] | None = None
        self._outage = OutageGuard("status feed", 5.0)

    async def announce(self, order_ids: Sequence[UUID]) -> None:
        if not order_ids or not self._outage.available():
            return
        try:
            for order_id in order_ids:
                await self._redis.publish(self._channel, str(order_id))
        except (RedisError, OSError) as exc:
            self._outage.failed("publish", exc, "subscribers will catch up by polling")

    @asynccontextmanager
    async def listen(self, order_id: UUID) -> AsyncIterator[asyncio.Event]:
        if self._receiving is None or self._receiving.done():
            self._receiving = asyncio.create_task(self._receive())
        async with self._listeners.listen(order_id) as event:
            yield event

    async def _receive(self) -> None:
        """One subscription per process, dispatched to the local listeners; reconnects."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._listeners.notify(UUID(message["data"].decode()))
            except (RedisError, OSError, ValueError) as exc:
                log.warning("status feed lost Redis, reconnecting: %r", exc)
            await asyncio.sleep(RECONNECT_SECONDS)  # back-off before reconnecting

    async def close(self) -> None:
        if self._receiving is not None:
            self._receiving.cancel()
        await self._redis.aclose()
