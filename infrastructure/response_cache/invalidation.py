"""The response cache's consumer: on every event about an order, drop the cached answers that
hold it (`domain.answers.of_order_event`).

Idempotent without an inbox: dropping what is gone already drops nothing. A store that cannot
be reached raises, and the worker retries through its levels; after the last one the message
is parked, and what it would have dropped expires by its max age (nothing to compensate).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from domain.answers import AnswerStore, of_order_event
from domain.messages import Consumer, Message
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.observability.metrics import RESPONSES_INVALIDATED

MemberOf = Callable[[UUID], Awaitable[str | None]]
"""The member whose order this is; None for an order that does not exist (`Services.member_of`
remembers it)."""


class ResponseCacheInvalidation:
    consumer = Consumer.CACHE

    def __init__(
        self, store: AnswerStore, member_of: MemberOf, crash: CrashPoints = NO_CRASHES
    ) -> None:
        self._store = store
        self._member_of = member_of
        self._crash = crash

    async def handle(self, message: Message) -> None:
        member = await self._member_of(message.order_id)
        self._crash.reached("before_invalidate", f"{message.name.value} {message.order_id}")
        dropped = await self._store.invalidate(of_order_event(message.order_id, member))
        RESPONSES_INVALIDATED.inc(dropped)

    async def give_up(self, message: Message, error: str) -> bool:
        return True
