"""What a piece of work raises, for tests that look at the error itself (its class, what the
service makes of it) rather than only expect one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable


async def raised(work: Callable[[], Awaitable[object]]) -> BaseException:
    try:
        await work()
    except Exception as exc:  # noqa: BLE001 - the error is what is looked at
        return exc
    raise AssertionError("nothing was raised")
