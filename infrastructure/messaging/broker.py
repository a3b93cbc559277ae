"""The broker as the relay and the workers see it; RabbitMQ and an in-process bus implement it.

Both give the same semantics: persistent publishing confirmed by the broker, one work queue per
consumer, a delay per retry level that brings a message back to its consumer only, and a
parking lot per consumer for messages that failed for good.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.messages import Consumer, Message


class Unroutable(Exception):
    """No queue takes this message: a topology error, never a silent drop."""


class Received(Protocol):
    """A message in a worker's hands. Exactly one of ack, retry or park settles it."""

    @property
    def message(self) -> Message:
        """The decoded message; raises `ValueError` for a body that is not one of ours."""
        ...

    @property
    def raw_id(self) -> str: ...

    async def ack(self) -> None: ...

    async def retry(self, delay_seconds: float) -> None:
        """Bring the message back to this consumer after the delay, its attempt count + 1."""
        ...

    async def park(self, error: str) -> None:
        """Move the message to this consumer's parking lot, with the error that put it there."""
        ...


Handler = Callable[[Received], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ParkedMessage:
    message_id: str
    consumer: str
    name: str
    order_id: str | None
    attempts: int
    error: str
    parked_at: datetime | None
    body: str


class Broker(Protocol):
    async def start(self) -> None:
        """Connect and declare the topology (idempotent)."""
        ...

    async def publish(self, messages: Sequence[Message]) -> None:
        """Publish persistently; return once the broker confirmed every one. Raises on a
        timeout, a broker that is down or an unroutable message."""
        ...

    async def consume(self, consumer: Consumer, handler: Handler) -> None:
        """Start handing this consumer's messages to `handler`, several at a time."""
        ...

    async def stop_consuming(self) -> None:
        """Stop taking new messages; those in hand are finished by their handlers."""
        ...

    async def healthy(self) -> bool:
        """Connected (connecting if need be), with every consumer of this process attached."""
        ...

    async def consumers_missing(self) -> list[str]:
        """Queues this process should consume from but, by the broker's count, nobody does."""
        ...

    async def close(self) -> None: ...

    async def parked(self, consumer: Consumer, limit: int) -> list[ParkedMessage]: ...

    async def replay(self, consumer: Consumer, message_id: str) -> bool:
        """Put a parked message back on its work queue with a fresh attempt count."""
        ...

    async def purge(self, consumer: Consumer) -> int: ...
