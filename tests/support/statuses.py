"""An order placed over the API, then put at a status of the table (and, delivered, at a
moment of delivery) by writing its row and history as the pipeline would have: a starting
point for the tests of what may be done with an order in each status."""

from __future__ import annotations

import uuid
from datetime import datetime

from httpx import AsyncClient
from sqlalchemy import insert, update

from bootstrap import Services
from domain.status import CancelReason, OrderStatus
from infrastructure.database.tables import order_event_table, order_table
from tests.support.orders import place_ok

ROAD = (
    OrderStatus.STOCK_RESERVED,
    OrderStatus.PAID,
    OrderStatus.PREPARING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


async def order_at(
    client: AsyncClient,
    services: Services,
    token: str,
    lines: list[tuple[int, int]],
    status: OrderStatus,
    *,
    delivered_at: datetime | None = None,
) -> uuid.UUID:
    """A new order at `status`, its history every status on the way (CANCELLED: from PAID);
    delivered at `delivered_at` when given, else now."""
    order_id = await place_ok(client, token, lines)
    if status is OrderStatus.PENDING:
        return order_id
    way = (
        [OrderStatus.STOCK_RESERVED, OrderStatus.PAID, OrderStatus.CANCELLED]
        if status is OrderStatus.CANCELLED
        else list(ROAD[: ROAD.index(status) + 1])
    )
    async with services.engine.begin() as conn:
        for step in way:
            at = delivered_at if step is OrderStatus.DELIVERED and delivered_at else None
            await conn.execute(
                insert(order_event_table).values(
                    order_id=order_id,
                    status=step.value,
                    message=f"set by the test: {step.value}",
                    **({"occurred_at": at} if at else {}),
                )
            )
        await conn.execute(
            update(order_table)
            .where(order_table.c.id == order_id)
            .values(
                status=status.value,
                cancel_reason=(
                    CancelReason.CUSTOMER_REQUEST.value if status is OrderStatus.CANCELLED else None
                ),
            )
        )
    return order_id
