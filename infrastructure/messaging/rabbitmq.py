"""The broker on RabbitMQ (aio-pika): topology, confirmed publishing, consumers, parking lots."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aiormq.exceptions import AMQPError

from domain.messages import Consumer, Message
from domain.steps.routing import SUBSCRIPTIONS
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.messaging.broker import Handler, ParkedMessage, Unroutable
from infrastructure.messaging.codec import (
    ATTEMPT_HEADER,
    CONSUMER_HEADER,
    CONTENT_TYPE,
    ERROR_HEADER,
    ORDER_HEADER,
    PARKED_AT_HEADER,
    attempt_of,
    decode,
    encode_body,
    headers_of,
)
from infrastructure.messaging.topology import Names, delay_ms

log = logging.getLogger(__name__)

DRAIN_SECONDS = 30.0

QueueType = Literal["classic", "quorum"]


def _persistent(body: bytes, message_id: str | None, headers: dict[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        message_id=message_id,
        headers=headers,
        content_type=CONTENT_TYPE,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


class RabbitReceived:
    def __init__(self, broker: RabbitBroker, consumer: Consumer, raw: AbstractIncomingMessage):
        self._broker = broker
        self._consumer = consumer
        self._raw = raw

    @property
    def message(self) -> Message:
        return decode(self._raw.body, self._raw.message_id, dict(self._raw.headers))

    @property
    def raw_id(self) -> str:
        return self._raw.message_id or f"delivery-{self._raw.delivery_tag}"

    async def ack(self) -> None:
        await self._raw.ack()

    async def retry(self, delay_seconds: float) -> None:
        headers = dict(self._raw.headers)
        headers[ATTEMPT_HEADER] = attempt_of(headers) + 1
        await self._broker.send(
            self._broker.names.retry,
            f"{self._consumer.value}.{delay_ms(delay_seconds)}",
            _persistent(self._raw.body, self._raw.message_id, headers),
        )
        await self._raw.ack()

    async def park(self, error: str) -> None:
        headers = dict(self._raw.headers)
        headers[ERROR_HEADER] = error[:2000]
        headers[PARKED_AT_HEADER] = datetime.now(UTC).isoformat()
        headers[CONSUMER_HEADER] = self._consumer.value
        await self._broker.send(
            self._broker.names.dead,
            self._consumer.value,
            _persistent(self._raw.body, self._raw.message_id, headers),
        )
        await self._raw.ack()


class RabbitBroker:
    def __init__(
        self,
        url: str,
        names: Names,
        *,
        retry_delays: Sequence[float],
        prefetch: int,
        publish_timeout: float,
        crash: CrashPoints = NO_CRASHES,
        queue_type: QueueType = "classic",
        delivery_limit: int = 20,
    ) -> None:
        self.names = names
        self._crash = crash
        self._queue_type = queue_type
        self._delivery_limit = delivery_limit
        self._url = url
        self._retry_delays = tuple(retry_delays)
        self._prefetch = prefetch
        self._timeout = publish_timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._consuming: list[tuple[AbstractChannel, AbstractQueue, str]] = []
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        if self._connection is not None:
            return
        connection = await aio_pika.connect_robust(self._url, timeout=self._timeout)
        try:
            self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            await self._declare(self._channel)
        except BaseException:
            await connection.close()
            raise
        if self._crash.faulty("consumers_lost"):
            connection.reconnect_callbacks.add(self._lose_consumers)
        self._connection = connection

    async def _lose_consumers(self, _sender: AbstractRobustConnection | None, /) -> None:
        """The `consumers_lost` fault: connected again, consuming nothing, unaware of it."""
        log.warning("fault test: this process's consumers are dropped after reconnecting")
        for _, queue, tag in self._consuming:
            await queue.cancel(tag)

    async def _declare(self, channel: AbstractChannel) -> None:
        names = self.names
        for name in (names.events, names.retry, names.requeue):
            self._exchanges[name] = await channel.declare_exchange(
                name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        self._exchanges[names.dead] = await channel.declare_exchange(
            names.dead, aio_pika.ExchangeType.DIRECT, durable=True
        )
        for seconds in self._retry_delays:
            delay = await channel.declare_queue(
                names.delay_queue(seconds),
                durable=True,
                arguments={
                    "x-message-ttl": delay_ms(seconds),
                    "x-dead-letter-exchange": names.requeue,
                    **self._dead_lettering_arguments(),
                },
            )
            await delay.bind(names.retry, routing_key=f"*.{delay_ms(seconds)}")
        for consumer, events in SUBSCRIPTIONS.items():
            work = await self._work_queue(channel, consumer)
            for event in events:
                await work.bind(names.events, routing_key=event.value)
            await work.bind(names.requeue, routing_key=f"{consumer.value}.*")
            parking = await self._parking_lot(channel, consumer)
            await parking.bind(names.dead, routing_key=consumer.value)

    def _dead_lettering_arguments(self) -> dict[str, Any]:
        """The queue type, and on quorum queues at-least-once dead-lettering: a message leaves
        a queue for its dead-letter exchange only once that exchange's queues confirmed it (the
        broker's default, at-most-once, may drop it when a node fails). RabbitMQ needs
        `reject-publish` overflow for that; no queue of ours has a length limit to overflow."""
        if self._queue_type == "classic":
            return {}
        return {
            "x-queue-type": "quorum",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }

    async def _work_queue(self, channel: AbstractChannel, consumer: Consumer) -> AbstractQueue:
        arguments: dict[str, Any] = {
            "x-dead-letter-exchange": self.names.dead,
            "x-dead-letter-routing-key": consumer.value,
            **self._dead_lettering_arguments(),
        }
        if self._queue_type == "quorum":
            # a message redelivered this often (a worker that dies on it every time) goes to
            # the parking lot instead of coming back for ever
            arguments["x-delivery-limit"] = self._delivery_limit
        return await channel.declare_queue(
            self.names.work_queue(consumer), durable=True, arguments=arguments
        )

    async def _parking_lot(self, channel: AbstractChannel, consumer: Consumer) -> AbstractQueue:
        arguments: dict[str, Any] = (
            {"x-queue-type": "quorum"} if self._queue_type == "quorum" else {}
        )
        return await channel.declare_queue(
            self.names.parking_lot(consumer), durable=True, arguments=arguments
        )

    async def send(self, exchange: str, routing_key: str, message: aio_pika.Message) -> None:
        """Publish one message and wait for the broker's confirm."""
        try:
            await self._exchanges[exchange].publish(
                message, routing_key=routing_key, mandatory=True, timeout=self._timeout
            )
        except aio_pika.exceptions.PublishError as exc:
            raise Unroutable(f"{exchange} has no queue for {routing_key!r}") from exc

    async def publish(self, messages: Sequence[Message]) -> None:
        await self.start()  # a broker that was down when we began may be back
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    self.send(
                        self.names.events,
                        message.name.value,
                        _persistent(encode_body(message), str(message.id), headers_of(message)),
                    )
                    for message in messages
                )
            ),
            timeout=self._timeout * 2,
        )

    async def consume(self, consumer: Consumer, handler: Handler) -> None:
        assert self._connection is not None, "start the broker first"
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        queue = await self._work_queue(channel, consumer)

        async def on_message(raw: AbstractIncomingMessage) -> None:
            self._in_hand += 1
            self._idle.clear()
            try:
                await handler(RabbitReceived(self, consumer, raw))
            finally:
                self._in_hand -= 1
                if self._in_hand == 0:
                    self._idle.set()

        tag = await queue.consume(on_message)
        self._consuming.append((channel, queue, tag))

    async def healthy(self) -> bool:
        await self.start()
        assert self._connection is not None
        return not self._connection.is_closed and not await self.consumers_missing()

    async def consumers_missing(self) -> list[str]:
        """Work queues this process consumes that the broker says nobody consumes: a robust
        connection that came back without its consumers. Empty when the broker is unreachable
        (nothing to tell yet) or all is well."""
        if self._connection is None or not self._consuming:
            return []
        try:
            channel = await self._connection.channel()
        except (AMQPError, ConnectionError, RuntimeError):
            return []
        missing = []
        try:
            for _, queue, _ in self._consuming:
                declared = await channel.declare_queue(queue.name, passive=True)
                if declared.declaration_result.consumer_count == 0:
                    missing.append(queue.name)
        except (AMQPError, ConnectionError, RuntimeError):
            return []
        finally:
            with contextlib.suppress(AMQPError, ConnectionError, RuntimeError):
                await channel.close()
        return missing

    async def stop_consuming(self) -> None:
        consuming, self._consuming = self._consuming, []
        for _, queue, tag in consuming:
            try:
                await queue.cancel(tag)
            except (AMQPError, ConnectionError, RuntimeError) as exc:
                log.warning("could not cancel consumer %s: %r", tag, exc)
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=DRAIN_SECONDS)
        except TimeoutError:
            log.warning(
                "%d messages still in hand after %ss; they will be redelivered",
                self._in_hand,
                DRAIN_SECONDS,
            )
        for channel, _, _ in consuming:
            with contextlib.suppress(AMQPError, ConnectionError, RuntimeError):
                await channel.close()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _parked_raw(
        self, consumer: Consumer, limit: int
    ) -> tuple[AbstractChannel, list[AbstractIncomingMessage]]:
        """Take up to `limit` parked messages without acking them; closing the channel puts
        back the ones not acked."""
        assert self._connection is not None, "start the broker first"
        channel = await self._connection.channel()
        queue = await self._parking_lot(channel, consumer)
        taken: list[AbstractIncomingMessage] = []
        while len(taken) < limit:
            raw = await queue.get(no_ack=False, fail=False, timeout=self._timeout)
            if raw is None:
                break
            taken.append(raw)
        return channel, taken

    async def parked(self, consumer: Consumer, limit: int) -> list[ParkedMessage]:
        channel, taken = await self._parked_raw(consumer, limit)
        try:
            return [_describe(consumer, raw) for raw in taken]
        finally:
            await channel.close()

    async def replay(self, consumer: Consumer, message_id: str) -> bool:
        channel, taken = await self._parked_raw(consumer, limit=10_000)
        try:
            for raw in taken:
                if raw.message_id != message_id:
                    continue
                headers = {
                    k: v
                    for k, v in dict(raw.headers).items()
                    if k not in (ERROR_HEADER, PARKED_AT_HEADER, CONSUMER_HEADER)
                }
                headers[ATTEMPT_HEADER] = 0
                await self.send(
                    self.names.requeue,
                    f"{consumer.value}.replay",
                    _persistent(raw.body, raw.message_id, headers),
                )
                await raw.ack()
                return True
            return False
        finally:
            await channel.close()

    async def purge(self, consumer: Consumer) -> int:
        assert self._connection is not None, "start the broker first"
        channel = await self._connection.channel()
        try:
            queue = await self._parking_lot(channel, consumer)
            result = await queue.purge()
            return int(result.message_count or 0)
        finally:
            await channel.close()


def _describe(consumer: Consumer, raw: AbstractIncomingMessage) -> ParkedMessage:
    headers = dict(raw.headers)
    parked_at = headers.get(PARKED_AT_HEADER)
    try:
        name = decode(raw.body, raw.message_id, headers).name.value
    except ValueError:
        name = "(undecodable)"
    return ParkedMessage(
        message_id=raw.message_id or "",
        consumer=consumer.value,
        name=name,
        order_id=str(headers[ORDER_HEADER]) if ORDER_HEADER in headers else None,
        attempts=attempt_of(headers) + 1,
        error=str(headers.get(ERROR_HEADER) or _dead_lettered_by_the_broker(headers)),
        parked_at=datetime.fromisoformat(str(parked_at)) if parked_at else None,
        body=raw.body.decode(errors="replace"),
    )


def _dead_lettered_by_the_broker(headers: dict[str, Any]) -> str:
    """Why RabbitMQ itself moved a message to the parking lot (a quorum queue's delivery limit,
    or a reject from outside our handling), from the headers it adds; empty if it did not."""
    reason = headers.get("x-first-death-reason")
    if reason is None:
        return ""
    queue = headers.get("x-first-death-queue", "?")
    return f"dead-lettered by the broker from {queue}: {reason}"
