"""An order's timeline (`domain.timeline`), read through the request's DataLoaders: a page of
orders asks for each source once, whatever its size."""

from __future__ import annotations

import asyncio
from uuid import UUID

from domain.status import CancelReason
from domain.timeline import TimelineEntry, timeline
from resolvers.common.context import Context


async def order_timeline(
    context: Context, order_id: UUID, cancel_reason: CancelReason | None
) -> list[TimelineEntry]:
    loaders = context.loaders
    history, payment_events, delivery, return_scans = await asyncio.gather(
        loaders.history.load(order_id),
        loaders.payment_events.load(order_id),
        loaders.delivery.load(order_id),
        loaders.return_scans.load(order_id),
    )
    parcel_events = await loaders.delivery_events.load(delivery.id) if delivery else []
    return timeline(history, cancel_reason, payment_events, parcel_events, return_scans)
