"""Waiting for a condition with a deadline, never for a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_DEADLINE_SECONDS = 30.0


async def eventually(
    probe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    within: float = DEFAULT_DEADLINE_SECONDS,
    what: str = "the condition",
) -> T:
    """Call `probe` until `done(result)`; the last result, or AssertionError at the deadline."""
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {within}s; last: {result!r}")
        await asyncio.sleep(0.05)
