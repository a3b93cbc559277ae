"""`orderStatusChanged`: the order as it is when the subscription starts, then each status
change, pushed once and in order, to its owner or staff. The stream ends with DELIVERED or
CANCELLED.

Exactly once and in order holds by construction: each look reads the order together with the
history entries past the last one pushed, in one statement (`ReadStore.order_snapshot`), and
one message is pushed per entry read, each the order as of that entry. What is pushed is keyed
by the entries' positions, never by a count read apart from the order, so a change committed
while a subscriber looks is either in what it read or in what it reads next. Subscribers of
one order in one process share their reads (`SharedSnapshots`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from domain.access import NO_ORDER_OF_YOURS, may_act_for
from domain.order import Order, OrderEvent, OrderSnapshot
from domain.status import FINAL_STATUSES
from resolvers.common.context import Context
from resolvers.common.errors import ApiError, ErrorCode
from resolvers.common.ids import order_key
from resolvers.common.loaders import Loaders

SAFETY_CHECK_SECONDS = 5.0
"""Look again this often even without an announcement (one may have been lost)."""


async def order_status_changes(
    context: Context, order_id: str
) -> AsyncIterator[tuple[Order, list[OrderEvent]]]:
    """Each change as the order and its history up to that change, the first where it stands."""
    key = order_key(order_id)
    viewer = context.require_viewer()

    async def look(after: int) -> OrderSnapshot | None:
        return await context.snapshots.read(context.store, key, after=after)

    async with context.status_feed.listen(key) as announced:
        snapshot = await look(0)
        if snapshot is None or not may_act_for(viewer, snapshot.order.member_id):
            raise ApiError(ErrorCode.NOT_FOUND, NO_ORDER_OF_YOURS)
        history: list[OrderEvent] = snapshot.history
        # where it stands: from here on, every entry past the last one read is pushed
        yield snapshot.order, history
        while history[-1].status not in FINAL_STATUSES:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(announced.wait(), SAFETY_CHECK_SECONDS)
            announced.clear()  # before reading: an announcement from now on wakes us again
            snapshot = await look(history[-1].position)
            assert snapshot is not None, "an order is never deleted while it is followed"
            context.loaders = Loaders(context.store)  # the rest of each push is read afresh
            for entry in snapshot.history:
                history = [*history, entry]
                yield snapshot.order, history
