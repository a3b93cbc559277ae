"""Placing an order in raw SQL, as `placeOrder` does in one transaction: the prices of the
moment, the order, its lines, the first history entry and the `order.placed` outbox row, with
the NOTIFY that wakes a relay. The baseline app serves it, and the pipeline benchmark feeds both
pipelines with it."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg

from domain.messages import Event
from domain.status import OrderStatus
from infrastructure.database.repositories.messages import OUTBOX_CHANNEL


def order_number(now: datetime) -> str:
    """Twelve random characters where ours has six: a raw number never equals one of ours, and
    the bench's hundred thousand raw orders a day never collide (ours would, see BENCHMARKS)."""
    return f"{now:%Y%m%d}-{secrets.token_hex(6).upper()}"


@dataclass(frozen=True)
class PlacedOrder:
    id: UUID
    number: str
    total: int


async def place_order(
    conn: asyncpg.Connection,
    member_id: str,
    lines: Sequence[tuple[int, int]],
    address: Mapping[str, str | None],
) -> PlacedOrder:
    """`lines` are (product id, quantity); `address` has the keys of `AddressInput`."""
    now = datetime.now(UTC)
    order_id = uuid4()
    number = order_number(now)
    async with conn.transaction():
        prices = dict(
            await conn.fetch(
                "SELECT id, price FROM product WHERE id = ANY($1::bigint[])",
                [product_id for product_id, _ in lines],
            )
        )
        total = sum(prices[product_id] * quantity for product_id, quantity in lines)
        await conn.execute(
            "INSERT INTO orders (id, number, member_id, status, total_amount, currency,"
            " recipient, phone, zip_code, line1, line2, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, 'KRW', $6, $7, $8, $9, $10, $11, $11)",
            order_id,
            number,
            member_id,
            OrderStatus.PENDING.value,
            total,
            address["recipient"],
            address["phone"],
            address["zipCode"],
            address["line1"],
            address.get("line2"),
            now,
        )
        await conn.executemany(
            "INSERT INTO order_item"
            " (order_id, product_id, quantity, unit_price, currency, order_created_at)"
            " VALUES ($1, $2, $3, $4, 'KRW', $5)",
            [
                (order_id, product_id, quantity, prices[product_id], now)
                for product_id, quantity in lines
            ],
        )
        await conn.execute(
            "INSERT INTO order_event (order_id, status, message, occurred_at)"
            " VALUES ($1, $2, 'order placed', $3)",
            order_id,
            OrderStatus.PENDING.value,
            now,
        )
        await conn.execute(
            "INSERT INTO outbox (message_id, routing_key, order_id, payload, created_at)"
            " VALUES ($1, $2, $3, '{}', $4)",
            uuid4(),
            Event.ORDER_PLACED.value,
            order_id,
            now,
        )
        await conn.execute(f"NOTIFY {OUTBOX_CHANNEL}")
    return PlacedOrder(order_id, number, total)
