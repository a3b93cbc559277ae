"""`python -m bench.raw_pipeline`: the minimal pipeline ours is measured against, in one process
with asyncpg and aio-pika and nothing else.

The same hops as ours: an outbox relay (LISTEN/NOTIFY and a poll, FOR UPDATE SKIP LOCKED, publish
with confirms, then mark published) and three consumers, each applying its step in one
transaction, then publishing the next event (persistent, confirmed), then acking: stock reserves
the lines (and commits them once paid), payment records the charge, delivery registers the parcel
and moves the order to PREPARING. No inbox, retries, parking lots, gateway or carrier; and no
out-of-stock path (the bench gives every book enough stock): the floor of these hops.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from uuid import UUID, uuid4

import aio_pika
import asyncpg
import orjson
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage

from bench.environment import RAW_PIPELINE_PREFIX
from bench.report import say
from domain.messages import Event
from domain.status import OrderStatus
from infrastructure.carrier.simulated import CARRIER_NAME
from infrastructure.database.repositories.messages import OUTBOX_CHANNEL

PREFETCH = 16
"""Our workers' default (`ORDERS_PREFETCH`)."""
POOL_SIZE = 20
BATCH = 500
POLL_SECONDS = 1.0
EVENTS = f"{RAW_PIPELINE_PREFIX}.events"
BINDINGS = {
    "stock": (Event.ORDER_PLACED, Event.PAYMENT_APPROVED),
    "payment": (Event.STOCK_RESERVED,),
    "delivery": (Event.PAYMENT_APPROVED,),
}
"""Each consumer's queue and the events it receives, as ours are bound."""

Step = Callable[[UUID], Awaitable[Event | None]]


class OutOfStock(Exception):
    pass


def queue_name(consumer: str) -> str:
    return f"{RAW_PIPELINE_PREFIX}.{consumer}"


async def _move(
    conn: asyncpg.Connection, order_id: UUID, source: OrderStatus, target: OrderStatus
) -> None:
    now = datetime.now(UTC)
    await conn.execute(
        "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4",
        order_id,
        target.value,
        now,
        source.value,
    )
    await conn.execute(
        "INSERT INTO order_event (order_id, status, occurred_at) VALUES ($1, $2, $3)",
        order_id,
        target.value,
        now,
    )


class RawPipeline:
    def __init__(self, pool: asyncpg.Pool, exchange: AbstractExchange) -> None:
        self._pool = pool
        self._exchange = exchange
        self.steps: dict[tuple[str, Event], Step] = {
            ("stock", Event.ORDER_PLACED): self.reserve_stock,
            ("stock", Event.PAYMENT_APPROVED): self.commit_stock,
            ("payment", Event.STOCK_RESERVED): self.charge,
            ("delivery", Event.PAYMENT_APPROVED): self.register_parcel,
        }

    async def publish(self, event: Event, order_id: UUID) -> None:
        message = aio_pika.Message(
            orjson.dumps({"orderId": str(order_id)}),
            message_id=str(uuid4()),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await self._exchange.publish(message, routing_key=event.value)

    async def relay(self, listener: asyncpg.Connection) -> None:
        wake = asyncio.Event()
        await listener.add_listener(OUTBOX_CHANNEL, lambda *_: wake.set())
        while True:
            wake.clear()
            if await self._relay_batch() < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL_SECONDS)

    async def _relay_batch(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, routing_key, order_id FROM outbox WHERE published_at IS NULL"
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                BATCH,
            )
            await asyncio.gather(
                *(self.publish(Event(row["routing_key"]), row["order_id"]) for row in rows)
            )
            await conn.execute(
                "UPDATE outbox SET published_at = $2 WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
                datetime.now(UTC),
            )
        return len(rows)

    async def on_message(self, consumer: str, message: AbstractIncomingMessage) -> None:
        order_id = UUID(orjson.loads(message.body)["orderId"])
        step = self.steps[(consumer, Event(message.routing_key or ""))]
        following = await step(order_id)
        if following is not None:
            await self.publish(following, order_id)
        await message.ack()

    async def reserve_stock(self, order_id: UUID) -> Event:
        async with self._pool.acquire() as conn, conn.transaction():
            lines = await conn.fetch(
                "SELECT product_id, quantity FROM order_item WHERE order_id = $1"
                " ORDER BY product_id",
                order_id,
            )
            now = datetime.now(UTC)
            for line in lines:
                taken = await conn.execute(
                    "UPDATE stock SET available = available - $2, reserved = reserved + $2,"
                    " updated_at = $3 WHERE product_id = $1 AND available >= $2",
                    line["product_id"],
                    line["quantity"],
                    now,
                )
                if taken != "UPDATE 1":
                    raise OutOfStock(f"book {line['product_id']}")
            await conn.executemany(
                "INSERT INTO stock_reservation"
                " (order_id, product_id, quantity, status, created_at, updated_at)"
                " VALUES ($1, $2, $3, 'RESERVED', $4, $4)",
                [(order_id, line["product_id"], line["quantity"], now) for line in lines],
            )
            await _move(conn, order_id, OrderStatus.PENDING, OrderStatus.STOCK_RESERVED)
        return Event.STOCK_RESERVED

    async def commit_stock(self, order_id: UUID) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            held = await conn.fetch(
                "SELECT product_id, quantity FROM stock_reservation"
                " WHERE order_id = $1 AND status = 'RESERVED' ORDER BY product_id FOR UPDATE",
                order_id,
            )
            now = datetime.now(UTC)
            for line in held:
                await conn.execute(
                    "UPDATE stock SET reserved = reserved - $2, updated_at = $3"
                    " WHERE product_id = $1",
                    line["product_id"],
                    line["quantity"],
                    now,
                )
            await conn.execute(
                "UPDATE stock_reservation SET status = 'COMMITTED', updated_at = $2"
                " WHERE order_id = $1 AND status = 'RESERVED'",
                order_id,
                now,
            )

    async def charge(self, order_id: UUID) -> Event:
        async with self._pool.acquire() as conn, conn.transaction():
            now = datetime.now(UTC)
            await conn.execute(
                "INSERT INTO payment (id, order_id, status, amount, currency, transaction_id,"
                " attempts, approved_at, created_at, updated_at)"
                " SELECT $1, id, 'APPROVED', total_amount, currency, $2, 1, $3, $3, $3"
                " FROM orders WHERE id = $4",
                uuid4(),
                f"raw_{secrets.token_hex(8)}",
                now,
                order_id,
            )
            await _move(conn, order_id, OrderStatus.STOCK_RESERVED, OrderStatus.PAID)
        return Event.PAYMENT_APPROVED

    async def register_parcel(self, order_id: UUID) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            now = datetime.now(UTC)
            delivery_id = uuid4()
            await conn.execute(
                "INSERT INTO delivery"
                " (id, order_id, status, carrier, tracking_number, created_at, updated_at)"
                " VALUES ($1, $2, 'PREPARING', $3, $4, $5, $5)",
                delivery_id,
                order_id,
                CARRIER_NAME,
                str(secrets.randbelow(10**12)).zfill(12),
                now,
            )
            await conn.execute(
                "INSERT INTO delivery_event (delivery_id, status, location, occurred_at)"
                " VALUES ($1, 'PREPARING', 'registered with the carrier', $2)",
                delivery_id,
                now,
            )
            await _move(conn, order_id, OrderStatus.PAID, OrderStatus.PREPARING)


async def run() -> None:
    database_url, amqp_url = os.environ["ORDERS_DATABASE_URL"], os.environ["ORDERS_AMQP_URL"]
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    pool = await asyncpg.create_pool(database_url, min_size=2, max_size=POOL_SIZE)
    listener = await asyncpg.connect(database_url)
    connection = await aio_pika.connect(amqp_url)
    try:
        publishing = await connection.channel(publisher_confirms=True)
        exchange = await publishing.declare_exchange(
            EVENTS, aio_pika.ExchangeType.TOPIC, durable=True
        )
        pipeline = RawPipeline(pool, exchange)
        for consumer, events in BINDINGS.items():
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=PREFETCH)
            queue = await channel.declare_queue(queue_name(consumer), durable=True)
            for event in events:
                await queue.bind(EVENTS, routing_key=event.value)
            await queue.consume(partial(pipeline.on_message, consumer))
        relay = asyncio.create_task(pipeline.relay(listener))
        say("running: raw pipeline")
        await stop.wait()
        relay.cancel()
    finally:
        await connection.close()
        await listener.close()
        await pool.close()


if __name__ == "__main__":
    asyncio.run(run())
