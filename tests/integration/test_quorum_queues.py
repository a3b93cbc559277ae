"""`ORDERS_QUEUE_TYPE=quorum` on the machine's RabbitMQ (one node: quorum queues work on one):
every queue replicated, at-least-once dead-lettering, the retry levels and the parking lots as
on classic queues, and a delivery limit that parks a message a worker keeps dying on."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest

from domain.messages import Consumer, Event, Message
from infrastructure.messaging.broker import Received
from infrastructure.messaging.codec import encode_body, headers_of
from infrastructure.messaging.rabbitmq import RabbitBroker
from infrastructure.messaging.topology import Names
from tests.conftest import AMQP_URL
from tests.support.rabbit import delete_topology
from tests.support.waiting import eventually

DELAYS = (0.2, 0.4)
DELIVERY_LIMIT = 3
QUEUE_FIELDS = ("name", "type", "arguments")


@pytest.fixture
async def quorum() -> AsyncIterator[RabbitBroker]:
    names = Names(f"orders-test-quorum-{secrets.token_hex(3)}")
    broker = RabbitBroker(
        AMQP_URL,
        names,
        retry_delays=DELAYS,
        prefetch=4,
        publish_timeout=5,
        queue_type="quorum",
        delivery_limit=DELIVERY_LIMIT,
    )
    await broker.start()
    yield broker
    await broker.stop_consuming()
    await broker.close()
    await delete_topology(AMQP_URL, names, DELAYS)


def _queues(prefix: str) -> dict[str, dict[str, object]]:
    """Our queues as the broker lists them: name -> type and arguments."""
    listed = subprocess.run(
        ["rabbitmqctl", "list_queues", "--quiet", "--formatter", "json", *QUEUE_FIELDS],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {q["name"]: q for q in json.loads(listed.stdout) if q["name"].startswith(prefix)}


def _arguments(queue: dict[str, object]) -> dict[str, object]:
    """rabbitmqctl lists arguments as [name, type, value] triples."""
    arguments = queue["arguments"]
    assert isinstance(arguments, list)
    return {name: value for name, _type, value in arguments}


async def test_every_queue_is_a_quorum_queue_dead_lettering_at_least_once(
    quorum: RabbitBroker,
) -> None:
    names = quorum.names
    queues = await asyncio.to_thread(_queues, names.prefix + ".")

    expected = {names.delay_queue(d) for d in DELAYS}
    for consumer in Consumer:
        expected |= {names.work_queue(consumer), names.parking_lot(consumer)}
    assert set(queues) == expected
    assert {q["type"] for q in queues.values()} == {"quorum"}
    for consumer in Consumer:
        work = _arguments(queues[names.work_queue(consumer)])
        assert work["x-dead-letter-strategy"] == "at-least-once"
        assert work["x-delivery-limit"] == DELIVERY_LIMIT
    for delay in DELAYS:
        assert _arguments(queues[names.delay_queue(delay)])["x-dead-letter-strategy"] == (
            "at-least-once"
        )


def _message() -> Message:
    return Message(Event.STOCK_RESERVED, uuid.uuid4(), {"reason": "test"})


async def test_a_retried_message_comes_back_after_its_delay(quorum: RabbitBroker) -> None:
    attempts: list[int] = []

    async def retry_once(received: Received) -> None:
        attempts.append(received.message.attempt)
        if received.message.attempt == 0:
            await received.retry(DELAYS[0])
        else:
            await received.ack()

    await quorum.consume(Consumer.PAYMENT, retry_once)
    await quorum.publish([_message()])

    await eventually(lambda: _now(attempts), lambda seen: seen == [0, 1], within=30)


async def _now(seen: list[int]) -> list[int]:
    return list(seen)


async def test_a_message_redelivered_past_the_limit_is_parked_by_the_broker(
    quorum: RabbitBroker,
) -> None:
    """A worker that dies with the message in hand gives it back unacked, as a reject with
    requeue does; on a classic queue it would come back for ever."""
    message = _message()
    connection = await aio_pika.connect(AMQP_URL)
    deliveries = 0
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(quorum.names.work_queue(Consumer.PAYMENT), ensure=False)

        async def dies_on_it(raw: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal deliveries
            deliveries += 1
            await raw.reject(requeue=True)

        await queue.consume(dies_on_it)
        await quorum.send(
            quorum.names.events,
            message.name.value,
            aio_pika.Message(encode_body(message), message_id=str(message.id),
                             headers=headers_of(message), delivery_mode=2),
        )  # fmt: skip
        parked = await eventually(
            lambda: quorum.parked(Consumer.PAYMENT, 100),
            lambda found: any(p.message_id == str(message.id) for p in found),
            within=30,
            what="the message parked by its delivery limit",
        )
    finally:
        await connection.close()

    [mine] = [p for p in parked if p.message_id == str(message.id)]
    assert deliveries == DELIVERY_LIMIT + 1
    assert "delivery_limit" in mine.error
    assert mine.order_id == str(message.order_id)
