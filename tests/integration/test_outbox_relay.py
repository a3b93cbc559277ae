"""The outbox relay against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from uuid import UUID, uuid4

import aio_pika
import pytest
from sqlalchemy import func, select

from bootstrap import Services
from domain.messages import Event, Message
from infrastructure.database.tables import outbox_table
from infrastructure.messaging.broker import Unroutable
from infrastructure.messaging.memory import InMemoryBroker
from infrastructure.messaging.rabbitmq import RabbitBroker
from infrastructure.messaging.relay import OutboxRelay
from infrastructure.messaging.topology import Names
from tests.support.waiting import eventually


class RecordingBroker(InMemoryBroker):
    """Delivers nowhere; remembers what it was given, slowly enough for relays to overlap."""

    def __init__(self) -> None:
        super().__init__(prefetch=1)
        self.published: list[UUID] = []

    async def publish(self, messages: Sequence[Message]) -> None:
        await asyncio.sleep(0.01)
        self.published.extend(m.id for m in messages)


class SlowConfirmsBroker(RecordingBroker):
    """Confirms in time only batches of at most `most` messages, as a broker on a loaded
    machine confirms a large batch after the publisher's timeout."""

    def __init__(self, most: int) -> None:
        super().__init__()
        self.most = most
        self.timed_out: list[int] = []

    async def publish(self, messages: Sequence[Message]) -> None:
        if len(messages) > self.most:
            self.timed_out.append(len(messages))
            raise TimeoutError
        await super().publish(messages)


async def _write_outbox(services: Services, count: int) -> list[UUID]:
    messages = [Message(Event.ORDER_CANCELLED, uuid4(), {"reason": "test"}) for _ in range(count)]
    async with services.unit_of_work() as work:
        for message in messages:
            await work.outbox.add(message)
        await work.commit()
    return [m.id for m in messages]


async def _unpublished(services: Services, ids: list[UUID]) -> int:
    async with services.engine.connect() as conn:
        result = await conn.execute(
            select(func.count()).where(
                outbox_table.c.message_id.in_(ids), outbox_table.c.published_at.is_(None)
            )
        )
    return int(result.scalar_one())


async def _drain(relay: OutboxRelay) -> None:
    while await relay.relay_once():
        pass


async def test_two_relays_at_once_publish_every_row_exactly_once(services: Services) -> None:
    await _drain(OutboxRelay(services.engine, RecordingBroker(), poll_seconds=1))
    ids = await _write_outbox(services, 1200)
    broker = RecordingBroker()
    relays = [OutboxRelay(services.engine, broker, poll_seconds=1) for _ in range(2)]

    await asyncio.gather(*(_drain(relay) for relay in relays))

    wanted = set(ids)
    assert sorted(m for m in broker.published if m in wanted) == sorted(ids)
    assert await _unpublished(services, ids) == 0


async def test_a_batch_not_confirmed_in_time_is_taken_again_smaller_until_it_is(
    services: Services,
) -> None:
    await _drain(OutboxRelay(services.engine, RecordingBroker(), poll_seconds=1))
    ids = await _write_outbox(services, 300)
    broker = SlowConfirmsBroker(most=60)
    relay = OutboxRelay(services.engine, broker, poll_seconds=1)

    for _ in range(50):
        try:
            if not await relay.relay_once():
                break
        except TimeoutError:
            continue
    else:
        pytest.fail(f"not drained in 50 tries: timed out with {broker.timed_out}")

    assert sorted(m for m in broker.published if m in set(ids)) == sorted(ids)
    assert await _unpublished(services, ids) == 0
    assert broker.timed_out[:4] == [300, 250, 125, 62]  # halved until one was confirmed


async def test_while_the_broker_is_down_publishing_fails_fast_and_the_rows_stay(
    services: Services,
) -> None:
    await _drain(OutboxRelay(services.engine, RecordingBroker(), poll_seconds=1))
    ids = await _write_outbox(services, 3)
    down = RabbitBroker(
        "amqp://guest:guest@127.0.0.1:1/",
        Names("nowhere"),
        retry_delays=(1.0,),
        prefetch=1,
        publish_timeout=0.5,
    )
    relay = OutboxRelay(services.engine, down, poll_seconds=1)

    started = time.monotonic()
    with pytest.raises(ConnectionError):
        await relay.relay_once()

    assert time.monotonic() - started < 5
    assert await _unpublished(services, ids) == 3


async def test_an_unroutable_message_is_an_error_not_a_silent_drop(services: Services) -> None:
    broker = services.broker
    assert isinstance(broker, RabbitBroker)
    await broker.start()
    with pytest.raises(Unroutable):
        await broker.send(broker.names.events, "nobody.listens", aio_pika.Message(b"{}"))


async def test_a_commit_elsewhere_wakes_the_relay_through_notify_long_before_its_poll(
    services: Services,
) -> None:
    broker = RecordingBroker()
    relay = OutboxRelay(services.engine, broker, poll_seconds=300)
    sentinel = await _write_outbox(services, 1)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        # published in the relay's first pass: it listens by now, and then waits on its poll
        await eventually(lambda: _unpublished(services, sentinel), lambda n: n == 0, within=10)
        ids = await _write_outbox(services, 1)  # another relay object: no in-process wake
        await eventually(
            lambda: _unpublished(services, ids), lambda n: n == 0, within=10, what="NOTIFY"
        )
    finally:
        stop.set()
        await running
