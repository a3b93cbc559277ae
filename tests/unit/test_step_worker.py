"""The retry policy of the workers, on the in-process broker with tiny delays."""

from __future__ import annotations

from uuid import uuid4

from domain.messages import Consumer, Event, Message
from infrastructure.messaging.broker import Received
from infrastructure.messaging.memory import InMemoryBroker
from infrastructure.messaging.worker import StepWorker
from tests.support.waiting import eventually

DELAYS = (0.01, 0.02, 0.03)


class FlakySteps:
    consumer = Consumer.PAYMENT

    def __init__(self, failures: int, *, compensate: bool = True) -> None:
        self.failures = failures
        self.compensate = compensate
        self.attempts: list[int] = []
        self.gave_up: list[str] = []

    async def handle(self, message: Message) -> None:
        self.attempts.append(message.attempt)
        if len(self.attempts) <= self.failures:
            raise ConnectionError(f"down ({len(self.attempts)})")

    async def give_up(self, message: Message, error: str) -> bool:
        self.gave_up.append(error)
        return self.compensate


async def _run(steps: FlakySteps, until: int) -> InMemoryBroker:
    broker = InMemoryBroker(prefetch=4)
    await StepWorker(steps, broker, DELAYS).start()
    await broker.publish([Message(Event.STOCK_RESERVED, uuid4())])

    async def attempts() -> int:
        return len(steps.attempts)

    await eventually(attempts, lambda n: n >= until, within=5, what=f"{until} attempts")
    return broker


async def test_a_passing_fault_is_retried_through_each_level_then_succeeds() -> None:
    steps = FlakySteps(failures=2)
    broker = await _run(steps, until=3)
    assert steps.attempts == [0, 1, 2]
    assert steps.gave_up == []
    assert await broker.parked(Consumer.PAYMENT, 10) == []
    await broker.close()


async def test_after_the_last_level_the_order_is_compensated_and_the_message_parked() -> None:
    steps = FlakySteps(failures=100)
    broker = await _run(steps, until=len(DELAYS) + 1)
    parked = await eventually(
        lambda: broker.parked(Consumer.PAYMENT, 10), lambda p: len(p) == 1, within=5
    )
    assert steps.attempts == [0, 1, 2, 3]
    assert steps.gave_up == ["ConnectionError: down (4)"]
    assert parked[0].attempts == 4
    assert parked[0].error == "ConnectionError: down (4)"
    await broker.close()


async def test_a_compensation_is_never_abandoned() -> None:
    steps = FlakySteps(failures=6, compensate=False)
    broker = await _run(steps, until=7)
    assert steps.attempts == [0, 1, 2, 3, 4, 5, 6]
    assert len(steps.gave_up) == 3  # asked after each attempt past the last level
    assert await broker.parked(Consumer.PAYMENT, 10) == []
    await broker.close()


class Garbage:
    raw_id = "garbage-1"

    def __init__(self) -> None:
        self.parked: list[str] = []

    @property
    def message(self) -> Message:
        raise ValueError("not a message of this service")

    async def ack(self) -> None:
        raise AssertionError("a message that is not ours is never acked as handled")

    async def retry(self, delay_seconds: float) -> None:
        raise AssertionError("a message that is not ours is never retried")

    async def park(self, error: str) -> None:
        self.parked.append(error)


async def test_a_message_that_is_not_ours_is_parked_at_once() -> None:
    steps = FlakySteps(failures=0)
    worker = StepWorker(steps, InMemoryBroker(prefetch=1), DELAYS)
    garbage = Garbage()
    received: Received = garbage

    await worker.on_message(received)

    assert garbage.parked == ["not a message of this service"]
    assert steps.attempts == []
