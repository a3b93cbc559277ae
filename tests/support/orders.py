"""Placing and following orders over the public API, as a client would."""

from __future__ import annotations

import uuid
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from bootstrap import Services
from domain.catalogue import StockLevel
from domain.order import Order
from domain.points import PointsEntry, PointsReason
from domain.status import OrderStatus
from infrastructure.database.tables import order_table, outbox_table
from resolvers.common.ids import order_key, to_global_id
from tests.support.factories import create_product
from tests.support.graphql import graphql
from tests.support.waiting import eventually

PLACE_ORDER = """
mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id number status total { amount } items { quantity product { id } } }
    errors { code field message }
  }
}
"""

SETTLED = {OrderStatus.PREPARING, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
"""Where an order stops moving by itself (the carrier moves it on from PREPARING)."""

ADDRESS = {
    "recipient": "김민준",
    "phone": "010-1234-5678",
    "zipCode": "04524",
    "line1": "서울특별시 중구 세종대로 110",
    "line2": "3층",
}


def order_input(
    lines: list[tuple[int, int]],
    *,
    token: str | None = "tok_ok",
    key: str | None = None,
    address: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "items": [
            {"productId": to_global_id("Product", product), "quantity": quantity}
            for product, quantity in lines
        ],
        "shippingAddress": address or ADDRESS,
        "payment": {"token": token},
        "idempotencyKey": key,
    }


async def place(
    client: AsyncClient, member_token: str, lines: list[tuple[int, int]], **options: Any
) -> dict[str, Any]:
    """The placeOrder payload."""
    body = await graphql(
        client, PLACE_ORDER, {"input": order_input(lines, **options)}, token=member_token
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["placeOrder"]
    return payload


async def place_ok(
    client: AsyncClient, member_token: str, lines: list[tuple[int, int]], **options: Any
) -> uuid.UUID:
    payload = await place(client, member_token, lines, **options)
    assert payload["errors"] == [], payload
    return order_key(payload["order"]["id"])


async def read_order(services: Services, order_id: uuid.UUID) -> Order:
    [order] = await services.store.orders_by_ids([order_id])
    return order


async def settled(services: Services, order_id: uuid.UUID, *, within: float = 30) -> Order:
    """The order once it stops moving on its own: PREPARING or later, or CANCELLED."""
    return await eventually(
        lambda: read_order(services, order_id),
        lambda order: order.status in SETTLED,
        within=within,
        what=f"order {order_id} settling",
    )


async def attention(services: Services, order_id: uuid.UUID) -> str | None:
    """Why the order is marked for an operator; None when it is not."""
    async with services.engine.connect() as conn:
        found = await conn.execute(
            select(order_table.c.attention).where(order_table.c.id == order_id)
        )
    note: str | None = found.scalar_one()
    return note


async def give_points(
    client: AsyncClient, services: Services, token: str, member_id: str, amount: int
) -> None:
    """Points an earlier order of the member earned, written as the ledger keeps them."""
    earlier = await place_ok(client, token, [(await create_product(services.engine), 1)])
    async with services.unit_of_work() as work:
        await work.points.add(PointsEntry(member_id, earlier, PointsReason.EARNED, amount))
        await work.commit()


async def stock_level(services: Services, product_id: int) -> StockLevel:
    """The book's stock as the API reads it, its cached copy dropped first."""
    await services.products_changed([product_id])
    [product] = await services.store.products_by_ids([product_id])
    return product.stock


async def unpublished(services: Services, order_id: uuid.UUID) -> int:
    """The order's outbox rows the relay has not published yet."""
    async with services.engine.connect() as conn:
        count = await conn.execute(
            select(func.count()).where(
                outbox_table.c.order_id == order_id, outbox_table.c.published_at.is_(None)
            )
        )
    return int(count.scalar_one())
