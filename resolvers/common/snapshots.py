"""Subscribers of one order in one API process share their reads of it.

A change wakes every local subscriber of the order at once, and each would read the same
snapshot from the same position: a hundred subscribers of a popular order asked the pool for a
hundred connections at that moment (on a busy machine, opening them timed out). Instead they
share one statement, but only one that has not begun yet: its statement is sent after they
woke, so it sees every change that was announced to them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from uuid import UUID

from domain.order import OrderSnapshot
from resolvers.ports import ReadStore

Key = tuple[UUID, int]


@dataclass
class SharedSnapshots:
    _waiting: dict[Key, asyncio.Task[OrderSnapshot | None]] = field(default_factory=dict)

    async def read(self, store: ReadStore, order_id: UUID, *, after: int) -> OrderSnapshot | None:
        """`store.order_snapshot(order_id, after=after)`, shared with the callers that ask for
        the same before its statement begins."""
        key = (order_id, after)
        read = self._waiting.get(key)
        if read is None:
            read = self._waiting[key] = asyncio.create_task(self._begin(key, store))
        return await asyncio.shield(read)

    async def _begin(self, key: Key, store: ReadStore) -> OrderSnapshot | None:
        if self._waiting.get(key) is asyncio.current_task():
            del self._waiting[key]  # whoever asks from now on may have woken too late for it
        return await store.order_snapshot(key[0], after=key[1])
