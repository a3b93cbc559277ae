"""The retry policy of the workers, on the in-process broker with tiny delays."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from domain.messages import Consumer, Event, Message
from infrastructure.messaging.broker import Received
from infrastructure.messaging.memory import InMemoryBroker
from infrastructure.messaging.worker import StepWorker
from tests.support.waiting import eventually

DELAYS = (0.01, 0.02, 0.03)


class FlakySteps:
    consumer = Consumer.PAYMENT

    def __init__(
        self,
        failures: int,
        *,
        compensate: bool = True,
        failure: type[Exception] = ConnectionError,
    ) -> None:
        self.failures = failures
        self.compensate = compensate
        self.failure = failure
        self.attempts: list[int] = []
        self.gave_up: list[str] = []

    async def handle(self, message: Message) -> None:
        self.attempts.append(message.attempt)
        if len(self.attempts) <= self.failures:
            raise self.failure(f"down ({len(self.attempts)})")

    async def give_up(self, message: Message, error: str) -> bool:
        self.gave_up.append(error)
        return self.compensate


class Desk:
    """Where orders are marked for an operator."""

    def __init__(self) -> None:
        self.flagged: list[tuple[UUID, str]] = []

    async def flag(self, order_id: UUID, note: str) -> None:
        self.flagged.append((order_id, note))


async def _run(
    steps: FlakySteps, until: int, desk: Desk | None = None, order_id: UUID | None = None
) -> InMemoryBroker:
    broker = InMemoryBroker(prefetch=4)
    await StepWorker(steps, broker, DELAYS, (desk or Desk()).flag).start()
    await broker.publish([Message(Event.STOCK_RESERVED, order_id or uuid4())])

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


async def test_a_compensation_is_never_abandoned_while_its_fault_may_pass() -> None:
    steps = FlakySteps(failures=6, compensate=False)
    desk = Desk()
    broker = await _run(steps, until=7, desk=desk)
    assert steps.attempts == [0, 1, 2, 3, 4, 5, 6]
    assert len(steps.gave_up) == 3  # asked after each attempt past the last level
    assert await broker.parked(Consumer.PAYMENT, 10) == []
    assert desk.flagged == []
    await broker.close()


@pytest.mark.parametrize("failure", [OverflowError, ValueError, KeyError, AssertionError])
async def test_a_compensation_that_will_not_pass_is_parked_after_its_levels_for_an_operator(
    failure: type[Exception],
) -> None:
    steps = FlakySteps(failures=100, compensate=False, failure=failure)
    desk = Desk()
    order_id = uuid4()
    broker = await _run(steps, until=len(DELAYS) + 1, desk=desk, order_id=order_id)

    parked = await eventually(
        lambda: broker.parked(Consumer.PAYMENT, 10), lambda p: len(p) == 1, within=5
    )
    assert steps.attempts == [0, 1, 2, 3]  # its levels, then no more
    assert parked[0].attempts == 4
    assert parked[0].error.startswith(f"{failure.__name__}: ")
    [(flagged_order, note)] = desk.flagged
    assert flagged_order == order_id
    assert note.startswith(f"payment parked stock.reserved ({parked[0].message_id}): ")
    await broker.close()
    assert steps.attempts == [0, 1, 2, 3]


async def test_a_forward_step_that_will_not_pass_gives_up_and_is_parked_for_an_operator() -> None:
    steps = FlakySteps(failures=100, failure=OverflowError)
    desk = Desk()
    broker = await _run(steps, until=len(DELAYS) + 1, desk=desk)

    await eventually(lambda: broker.parked(Consumer.PAYMENT, 10), lambda p: len(p) == 1, within=5)
    assert steps.gave_up == ["OverflowError: down (4)"]  # cancelled and compensated
    assert len(desk.flagged) == 1
    await broker.close()


class DeskDown(Desk):
    """An operator's desk behind a database that is down for a while, then back."""

    def __init__(self, down_for: int) -> None:
        super().__init__()
        self.down_for = down_for

    async def flag(self, order_id: UUID, note: str) -> None:
        if self.down_for > 0:
            self.down_for -= 1
            raise ConnectionRefusedError("database down")
        await super().flag(order_id, note)


async def test_marking_the_order_is_tried_again_while_its_own_fault_may_pass() -> None:
    steps = FlakySteps(failures=100, compensate=False, failure=OverflowError)
    desk = DeskDown(down_for=2)
    broker = await _run(steps, until=len(DELAYS) + 3, desk=desk)

    await eventually(lambda: broker.parked(Consumer.PAYMENT, 10), lambda p: len(p) == 1, within=5)
    assert len(desk.flagged) == 1
    assert steps.attempts == [0, 1, 2, 3, 4, 5]
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
    worker = StepWorker(steps, InMemoryBroker(prefetch=1), DELAYS, Desk().flag)
    garbage = Garbage()
    received: Received = garbage

    await worker.on_message(received)

    assert garbage.parked == ["not a message of this service"]
    assert steps.attempts == []


class GivingUpBroken(FlakySteps):
    async def give_up(self, message: Message, error: str) -> bool:
        await super().give_up(message, error)
        raise RuntimeError("the same bug again")


async def test_a_give_up_that_fails_the_same_way_still_marks_the_order_and_parks() -> None:
    steps = GivingUpBroken(failures=100, failure=TypeError)
    desk = Desk()
    broker = await _run(steps, until=len(DELAYS) + 1, desk=desk)

    await eventually(lambda: broker.parked(Consumer.PAYMENT, 10), lambda p: len(p) == 1, within=5)
    assert len(steps.gave_up) == 1
    assert len(desk.flagged) == 1
    assert steps.attempts == [0, 1, 2, 3]
    await broker.close()
