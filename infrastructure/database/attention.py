"""Orders marked for an operator (`orders.attention`): listed by `main.py dlq list`, cleared by
`main.py dlq resolve` once someone has dealt with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from infrastructure.database.tables import order_table

_order = order_table.c


@dataclass(frozen=True, slots=True)
class MarkedOrder:
    order_id: UUID
    number: str
    status: str
    note: str
    updated_at: datetime


async def orders_needing_attention(engine: AsyncEngine, limit: int) -> list[MarkedOrder]:
    """Marked orders, most recently changed first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(_order.id, _order.number, _order.status, _order.attention, _order.updated_at)
            .where(_order.attention.is_not(None))
            .order_by(_order.updated_at.desc(), _order.id)
            .limit(limit)
        )
        return [MarkedOrder(r.id, r.number, r.status, r.attention, r.updated_at) for r in rows]


async def resolve(engine: AsyncEngine, order_id: UUID) -> bool:
    """Clear the order's mark; False when it had none."""
    async with engine.begin() as conn:
        cleared = await conn.execute(
            update(order_table)
            .where(_order.id == order_id, _order.attention.is_not(None))
            .values(attention=None)
        )
    return cleared.rowcount == 1
