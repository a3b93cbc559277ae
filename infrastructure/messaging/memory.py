"""The broker in one process, for the embedded default: the same routing, retry delays and
parking lots as the RabbitMQ topology, kept in memory (a restart loses what is in flight; the
outbox of a message not yet published is kept in the database)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from domain.messages import Consumer, Message
from domain.steps.routing import SUBSCRIPTIONS
from infrastructure.messaging.broker import Handler, ParkedMessage, Unroutable
from infrastructure.messaging.codec import encode_body


@dataclass
class MemoryReceived:
    broker: InMemoryBroker
    consumer: Consumer
    message: Message

    @property
    def raw_id(self) -> str:
        return str(self.message.id)

    async def ack(self) -> None:
        return None

    async def retry(self, delay_seconds: float) -> None:
        again = replace(self.message, attempt=self.message.attempt + 1)
        self.broker.later(delay_seconds, self.consumer, again)

    async def park(self, error: str) -> None:
        self.broker.parking[self.consumer].append(
            ParkedMessage(
                message_id=str(self.message.id),
                consumer=self.consumer.value,
                name=self.message.name.value,
                order_id=str(self.message.order_id),
                attempts=self.message.attempt + 1,
                error=error,
                parked_at=datetime.now(UTC),
                body=encode_body(self.message).decode(),
            )
        )
        self.broker.parked_messages[(self.consumer, str(self.message.id))] = self.message


class InMemoryBroker:
    def __init__(self, *, prefetch: int) -> None:
        self._prefetch = prefetch
        self._queues: dict[Consumer, asyncio.Queue[Message]] = {
            c: asyncio.Queue() for c in Consumer
        }
        self.parking: dict[Consumer, list[ParkedMessage]] = {c: [] for c in Consumer}
        self.parked_messages: dict[tuple[Consumer, str], Message] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._pumps: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        return None

    async def publish(self, messages: Sequence[Message]) -> None:
        for message in messages:
            targets = [c for c, events in SUBSCRIPTIONS.items() if message.name in events]
            if not targets:
                raise Unroutable(f"no queue takes {message.name.value!r}")
            for consumer in targets:
                self._queues[consumer].put_nowait(message)

    def later(self, delay_seconds: float, consumer: Consumer, message: Message) -> None:
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def due() -> None:
            self._timers.discard(timer)
            self._queues[consumer].put_nowait(message)

        timer = loop.call_later(delay_seconds, due)
        self._timers.add(timer)

    async def consume(self, consumer: Consumer, handler: Handler) -> None:
        slots = asyncio.Semaphore(self._prefetch)

        async def handle(message: Message) -> None:
            try:
                await handler(MemoryReceived(self, consumer, message))
            finally:
                slots.release()

        async def pump() -> None:
            while True:
                message = await self._queues[consumer].get()
                await slots.acquire()
                task = asyncio.create_task(handle(message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        self._pumps.append(asyncio.create_task(pump()))

    async def healthy(self) -> bool:
        return True

    async def consumers_missing(self) -> list[str]:
        return []

    async def stop_consuming(self) -> None:
        for pump in self._pumps:
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        self._pumps.clear()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.stop_consuming()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    async def parked(self, consumer: Consumer, limit: int) -> list[ParkedMessage]:
        return self.parking[consumer][:limit]

    async def replay(self, consumer: Consumer, message_id: str) -> bool:
        lot = self.parking[consumer]
        for i, parked in enumerate(lot):
            if parked.message_id == message_id:
                del lot[i]
                message = self.parked_messages.pop((consumer, message_id))
                self._queues[consumer].put_nowait(replace(message, attempt=0))
                return True
        return False

    async def purge(self, consumer: Consumer) -> int:
        count = len(self.parking[consumer])
        for parked in self.parking[consumer]:
            self.parked_messages.pop((consumer, parked.message_id), None)
        self.parking[consumer].clear()
        return count
