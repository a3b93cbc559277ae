"""The bench's share of PostgreSQL, Redis and RabbitMQ: create it, and clear what runs leave.

Write and pipeline runs place orders for "scratch" members only; `forget_scratch_orders` removes
those orders and gives back the stock they took, so the data set stays what `bench.seed` built
(`forget_orders` does the same for the orders the cache bench places for loyal customers).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from bench.environment import (
    AMQP_URL,
    DATABASE_NAME,
    DATABASE_URL,
    POSTGRES_ADMIN_URL,
    PREFIX,
    REDIS_URL,
    RETRY_DELAYS,
    database_url,
)
from cluster.resources import delete_topology, forget_cache_keys
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.messaging.topology import Names

SCRATCH = "scratch-"
"""Member ids of the members that write and pipeline runs place orders for."""

_GIVE_BACK_STOCK = """
WITH held AS (
    SELECT r.product_id,
           coalesce(sum(r.quantity) FILTER (WHERE r.status = 'RESERVED'), 0) AS reserved,
           coalesce(sum(r.quantity) FILTER (WHERE r.status IN ('RESERVED', 'COMMITTED')), 0)
               AS taken
    FROM stock_reservation r JOIN orders o ON o.id = r.order_id
    WHERE {orders}
    GROUP BY r.product_id
)
UPDATE stock s
SET available = s.available + held.taken, reserved = s.reserved - held.reserved
FROM held WHERE s.product_id = held.product_id
"""


async def prepare_database(name: str = DATABASE_NAME) -> None:
    """Create a bench database (the bench's own by default) when missing, and migrate it to
    head."""
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        found = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not found:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await asyncio.to_thread(upgrade_to_head, database_url(name))


@asynccontextmanager
async def connect(url: str = DATABASE_URL) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a bench database (the bench's own by default), closed at the end."""
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


async def add_scratch_members(conn: asyncpg.Connection, kind: str, count: int) -> list[str]:
    """`count` members of this kind (`scratch-<kind>-NN`), created when missing."""
    ids = [f"{SCRATCH}{kind}-{n:02d}" for n in range(count)]
    now = datetime.now(UTC)
    await conn.executemany(
        "INSERT INTO member (id, name, created_at, updated_at) VALUES ($1, $1, $2, $2)"
        " ON CONFLICT (id) DO NOTHING",
        [(member_id, now) for member_id in ids],
    )
    return ids


async def forget_scratch_orders(conn: asyncpg.Connection) -> None:
    """Remove scratch orders and the messages, charges and parcels of runs; give stock back."""
    async with conn.transaction():
        await conn.execute(_GIVE_BACK_STOCK.format(orders="o.member_id LIKE $1"), f"{SCRATCH}%")
        await conn.execute("DELETE FROM orders WHERE member_id LIKE $1", f"{SCRATCH}%")
        await conn.execute("TRUNCATE outbox, processed_message, simulated_charge, simulated_parcel")


async def forget_orders(conn: asyncpg.Connection, ids: Sequence[UUID]) -> None:
    """Remove these orders (placed for members of the data set) and give back their stock."""
    async with conn.transaction():
        await conn.execute(_GIVE_BACK_STOCK.format(orders="o.id = ANY($1::uuid[])"), ids)
        await conn.execute("DELETE FROM orders WHERE id = ANY($1::uuid[])", ids)


async def forget_cached() -> None:
    """Drop every cache key of the bench, so no cached product differs from its row."""
    await forget_cache_keys(REDIS_URL, PREFIX)


async def delete_our_topology() -> None:
    """Our exchanges and queues, messages left by an interrupted run included."""
    await delete_topology(AMQP_URL, Names(PREFIX), RETRY_DELAYS)
