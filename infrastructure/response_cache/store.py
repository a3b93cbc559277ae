"""What both adapters of the answer store (`domain/answers.py`: Redis, in memory) share."""

from __future__ import annotations

from dataclasses import dataclass

from infrastructure.observability.metrics import RESPONSE_LOOKUPS

DROPPED_STAMP_SECONDS = 60
"""How long a tag remembers when it was last dropped. An answer read before that moment is
not stored after it (`AnswerStore.put`), so this must outlast the slowest request."""


@dataclass(frozen=True, slots=True)
class Bounds:
    entries: int
    entry_bytes: int
    """An answer larger than this is not kept; the store holds at most entries times this."""


def counted(found: bool) -> None:
    RESPONSE_LOOKUPS.labels(outcome="hit" if found else "miss").inc()
