"""A socket's watch on its token (`TokenExpiry`): when its end comes, and that nothing of it
outlives the socket."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.member import Member, Role, Viewer
from infrastructure.http.token_expiry import TokenExpiry
from tests.support.waiting import eventually

MEMBER = Member("m-1", None, None)
EXPIRED = datetime.now(UTC) - timedelta(seconds=1)
"""A moment gone already: a watch on it ends the socket at once."""
LATER = datetime.now(UTC) + timedelta(hours=1)


def _viewer(valid_until: datetime | None) -> Viewer:
    return Viewer(MEMBER, Role.CUSTOMER, valid_until)


def _waits() -> int:
    return sum(
        getattr(task.get_coro(), "__qualname__", "") == "TokenExpiry._end_at"
        for task in asyncio.all_tasks()
    )


class _Ends:
    def __init__(self) -> None:
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1

    async def counted(self) -> int:
        return self.count


async def test_an_anonymous_socket_or_a_token_without_an_expiry_is_not_watched() -> None:
    expiry = TokenExpiry(_Ends())
    await expiry.watch(None)
    await expiry.watch(_viewer(None))

    assert _waits() == 0
    assert not expiry.expired


async def test_the_socket_ends_when_its_token_expires() -> None:
    ends = _Ends()
    expiry = TokenExpiry(ends)
    await expiry.watch(_viewer(EXPIRED))

    assert await eventually(ends.counted, lambda count: count > 0, within=10) == 1
    assert expiry.expired
    await expiry.stop()
    assert _waits() == 0


async def test_a_later_token_does_not_put_the_end_off_and_an_earlier_one_brings_it_on() -> None:
    put_off, brought_on = _Ends(), _Ends()
    first = TokenExpiry(put_off)
    await first.watch(_viewer(EXPIRED))
    await first.watch(_viewer(LATER))
    second = TokenExpiry(brought_on)
    await second.watch(_viewer(LATER))
    await second.watch(_viewer(EXPIRED))

    assert await eventually(put_off.counted, lambda count: count > 0, within=10) == 1
    assert await eventually(brought_on.counted, lambda count: count > 0, within=10) == 1
    await first.stop()
    await second.stop()
    assert _waits() == 0


async def test_nothing_waits_once_the_socket_stopped_it() -> None:
    ends = _Ends()
    expiry = TokenExpiry(ends)
    await expiry.watch(_viewer(LATER))
    assert _waits() == 1

    await expiry.stop()

    assert _waits() == 0
    assert ends.count == 0
