"""The response cache's consumer: on every event about an order, drop the cached answers that
hold it (`domain.answers.of_order_event`).

Idempotent without an inbox: dropping what is gone already drops nothing. A store that cannot
be reached raises, and the worker retries through its levels; after the last one the message
is parked, and what it would have dropped expires by its max age (nothing to compensate).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from cachetools import LRUCache

from domain.answers import AnswerStore, of_order_event
from domain.messages import Consumer, Message
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.observability.metrics import RESPONSES_INVALIDATED

MemberOf = Callable[[UUID], Awaitable[str | None]]
"""The member whose order this is; None for an order that does not exist."""
MEMBERS_KEPT = 10_000
"""Orders whose member the consumer remembers: an order's member never changes, and an order
raises about five events on its way to PREPARING, each of which read it again before."""


class ResponseCacheInvalidation:
    consumer = Consumer.CACHE

    def __init__(
        self, store: AnswerStore, member_of: MemberOf, crash: CrashPoints = NO_CRASHES
    ) -> None:
        self._store = store
        self._member_of = member_of
        self._crash = crash
        self._members: LRUCache[UUID, str] = LRUCache(MEMBERS_KEPT)

    async def _member(self, order_id: UUID) -> str | None:
        member = self._members.get(order_id)
        if member is None:
            member = await self._member_of(order_id)
            if member is not None:  # an order not (yet) found is asked again next time
                self._members[order_id] = member
        return member

    async def handle(self, message: Message) -> None:
        member = await self._member(message.order_id)
        self._crash.reached("before_invalidate", f"{message.name.value} {message.order_id}")
        dropped = await self._store.invalidate(of_order_event(message.order_id, member))
        RESPONSES_INVALIDATED.inc(dropped)

    async def give_up(self, message: Message, error: str) -> bool:
        return True
