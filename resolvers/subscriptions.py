"""`orderStatusChanged`: the order as it is when the subscription starts, then each status
change, pushed once and in order, to its owner or staff, each time the whole order read through
fresh DataLoaders. The stream ends with DELIVERED or CANCELLED."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from domain.status import FINAL_STATUSES
from resolvers.context import Context
from resolvers.loaders import Loaders
from schema.errors import ApiError, ErrorCode
from schema.ids import order_key
from schema.orders import OrderType

SAFETY_CHECK_SECONDS = 5.0
"""Look again this often even without an announcement (one may have been lost)."""


async def order_status_changes(context: Context, order_id: str) -> AsyncIterator[OrderType]:
    key = order_key(order_id)
    viewer = context.require_viewer()
    feed = context.status_feed
    async with feed.listen(key) as announced:
        order = await context.loaders.order.load(key)
        if order is None or not (viewer.is_staff or order.member_id == viewer.member.id):
            raise ApiError(ErrorCode.NOT_FOUND, "no order of yours has this id")
        seen = len(await context.loaders.history.load(key))
        yield OrderType.from_domain(order)  # where it stands: nothing missed from here on
        while order.status not in FINAL_STATUSES:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(announced.wait(), SAFETY_CHECK_SECONDS)
            announced.clear()
            context.loaders = Loaders(context.store)  # what comes next is read afresh
            history = await context.loaders.history.load(key)
            current = await context.loaders.order.load(key)
            assert current is not None
            for change in history[seen:]:
                yield OrderType.from_domain(current).as_of(change.status, change.occurred_at)
            seen = len(history)
            order = current
