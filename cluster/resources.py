"""A cluster's share of PostgreSQL, Redis and RabbitMQ: a database, a cache key prefix and
broker names of its own, removed when it stops, so that it never disturbs another run. The test
runs and the bench clear their own shares with the same functions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aio_pika
import asyncpg
import redis.asyncio as redis

from domain.messages import Consumer
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.messaging.topology import Names


def database_url(admin_url: str, database: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + database


@asynccontextmanager
async def own_database(admin_url: str, name: str) -> AsyncIterator[str]:
    """A database created and migrated for this run, dropped at the end; its URL."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = database_url(admin_url, name)
    try:
        await asyncio.to_thread(upgrade_to_head, url)
        yield url
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def forget_cache_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def delete_queues_and_exchanges(
    url: str, queues: Sequence[str], exchanges: Sequence[str]
) -> None:
    """These queues, messages and all, then these exchanges."""
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


async def delete_topology(url: str, names: Names, retry_delays: Sequence[float]) -> None:
    """Every exchange and queue named with this prefix, messages and all."""
    queues = [names.delay_queue(d) for d in retry_delays]
    for consumer in Consumer:
        queues += [names.work_queue(consumer), names.parking_lot(consumer)]
    await delete_queues_and_exchanges(
        url, queues, (names.events, names.retry, names.requeue, names.dead)
    )
