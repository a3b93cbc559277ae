"""Removing a test run's exchanges and queues from the shared RabbitMQ."""

from __future__ import annotations

from collections.abc import Sequence

import aio_pika

from domain.messages import Consumer
from infrastructure.messaging.topology import Names


async def delete_topology(url: str, names: Names, retry_delays: Sequence[float]) -> None:
    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        queues = [names.delay_queue(d) for d in retry_delays]
        for consumer in Consumer:
            queues += [names.work_queue(consumer), names.parking_lot(consumer)]
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in (names.events, names.retry, names.requeue, names.dead):
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()
