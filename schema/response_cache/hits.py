"""The response cache's early path: a query whose answer is kept is answered by the HTTP
endpoint before strawberry and graphql-core see it (nothing parsed, nothing validated, no
extension run, the kept JSON sent as it is). It knows an operation by its plan
(`Plans.known`), which this process made when it executed the operation the whole way; an
operation it has not seen yet, or one that may not be kept, goes the whole way, where
`extension.py` looks up and keeps what it may.

A miss found here is handed to the extension (`hand_over`), which stores what it reads under
that lookup's mark instead of asking the store a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection

from domain.answers import AnswerStore, Lookup
from domain.member import Viewer
from schema.response_cache.entries import cache_control, entry_parts, key_of
from schema.response_cache.plan import Plans

_HANDED_OVER = "response_cache_lookup"


@dataclass(frozen=True, slots=True)
class Hit:
    data: bytes
    """The answer's `data`, as JSON."""
    cost: int
    """Its actual cost when it was executed: what the rate limiter charges for it."""
    age: int
    """Seconds since it was kept."""
    cache_control: str
    operation: str | None
    """The operation's own name, sent or not (the metrics' label)."""


@dataclass(frozen=True, slots=True)
class Miss:
    key: str
    looked: Lookup | None
    """None when the store could not answer (then nothing is kept either)."""


class EarlyAnswers:
    def __init__(self, store: AnswerStore, plans: Plans) -> None:
        self._store = store
        self._plans = plans

    async def find(
        self, query: str, name: str | None, variables: dict[str, Any], viewer: Viewer | None
    ) -> Hit | Miss | None:
        """The kept answer of this operation for this viewer, a miss to hand over, or None
        when the operation must go the whole way before anything is looked up."""
        plan = self._plans.known(query, name)
        if plan is None or not plan.kept or plan.tags(viewer, variables) is None:
            return None
        key = key_of(plan, query, variables, viewer)
        if key is None:
            return None
        looked = await self._store.lookup(key)
        if looked is None or looked.cached is None:
            return Miss(key, looked)
        cost, data = entry_parts(looked.cached.body)
        age = max(0, looked.now_ms - looked.cached.stored_at_ms) // 1000
        return Hit(data, cost, age, cache_control(plan), plan.operation)


def hand_over(connection: HTTPConnection, miss: Miss) -> None:
    setattr(connection.state, _HANDED_OVER, miss)


def handed_over(connection: HTTPConnection | None, key: str) -> Miss | None:
    """The miss the early path found for `key` in this request, once."""
    if connection is None:
        return None
    miss = getattr(connection.state, _HANDED_OVER, None)
    if not isinstance(miss, Miss) or miss.key != key:
        return None
    delattr(connection.state, _HANDED_OVER)
    return miss
