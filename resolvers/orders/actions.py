"""What a customer may do with an order now (`domain.actions`), read for the API: what the rules
need is loaded through the request's DataLoaders, and only for a delivered order (its history,
for the moment of delivery, its lines and returns, for what is left to return)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

from domain.actions import Availability, Situation, available_actions
from domain.returns import returnable
from domain.status import OrderStatus
from resolvers.common.context import Context


async def order_actions(
    context: Context, order_id: UUID, status: OrderStatus
) -> list[Availability]:
    situation = Situation(status)
    if status is OrderStatus.DELIVERED:
        loaders = context.loaders
        history, items, returns = await asyncio.gather(
            loaders.history.load(order_id),
            loaders.items.load(order_id),
            loaders.returns.load(order_id),
        )
        situation = Situation(
            status,
            delivered_at=max(
                (e.occurred_at for e in history if e.status is OrderStatus.DELIVERED), default=None
            ),
            returnable_copies=sum(returnable(items, returns).values()),
        )
    return available_actions(situation, context.returns, datetime.now(UTC))
