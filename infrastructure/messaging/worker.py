"""Runs a consumer's steps on its messages: ack on success, retry through the delay levels on a
fault, and after the last level give up (fail and compensate the order, park the message).

Business outcomes (out of stock, declined) are not faults: the steps turn them into events.
Anything a step raises is treated as a fault that may pass, so it is retried, never swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from domain.messages import Message
from domain.steps.base import Steps
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.messaging.broker import Broker, Received
from infrastructure.observability.logs import tracing
from infrastructure.observability.metrics import MESSAGES

log = logging.getLogger(__name__)


class StepWorker:
    def __init__(
        self,
        steps: Steps,
        broker: Broker,
        retry_delays: Sequence[float],
        crash: CrashPoints = NO_CRASHES,
    ) -> None:
        self.steps = steps
        self._broker = broker
        self._delays = tuple(retry_delays)
        self._crash = crash

    async def start(self) -> None:
        await self._broker.consume(self.steps.consumer, self.on_message)

    async def on_message(self, received: Received) -> None:
        consumer = self.steps.consumer.value
        try:
            message = received.message
        except ValueError as exc:
            log.error("%s: parking message %s that is not ours: %s", consumer, received.raw_id, exc)
            await received.park(str(exc))
            MESSAGES.labels(consumer=consumer, outcome="parked").inc()
            return
        with tracing(
            request=message.correlation_id, order=str(message.order_id), message=str(message.id)
        ):
            await self._handle(received, message)

    async def _handle(self, received: Received, message: Message) -> None:
        consumer = self.steps.consumer.value
        try:
            await self.steps.handle(message)
        except Exception as exc:  # noqa: BLE001 - every fault is retried or compensated
            error = f"{type(exc).__name__}: {exc}"
            await self._after_fault(received, message.attempt, error)
            return
        self._crash.reached("before_ack", f"{message.name.value} {message.order_id}")
        await received.ack()
        MESSAGES.labels(consumer=consumer, outcome="handled").inc()
        log.info("%s: handled %s of order %s", consumer, message.name.value, message.order_id)

    async def _after_fault(self, received: Received, attempt: int, error: str) -> None:
        consumer = self.steps.consumer.value
        message = received.message
        if attempt < len(self._delays):
            delay = self._delays[attempt]
            log.warning(
                "%s: %s of order %s failed (attempt %d), retrying in %ss: %s",
                consumer,
                message.name.value,
                message.order_id,
                attempt + 1,
                delay,
                error,
            )
            await received.retry(delay)
            MESSAGES.labels(consumer=consumer, outcome="retried").inc()
            return
        try:
            compensated = await self.steps.give_up(message, error)
        except Exception as exc:  # noqa: BLE001 - compensation failed too: try again later
            log.error("%s: giving up on %s failed, retrying: %r", consumer, message.id, exc)
            compensated = False
        if compensated:
            log.error(
                "%s: parked %s of order %s after %d attempts: %s",
                consumer,
                message.name.value,
                message.order_id,
                attempt + 1,
                error,
            )
            await received.park(error)
            MESSAGES.labels(consumer=consumer, outcome="parked").inc()
        else:
            log.error(
                "%s: %s of order %s still failing after %d attempts, retrying: %s",
                consumer,
                message.name.value,
                message.order_id,
                attempt + 1,
                error,
            )
            await received.retry(self._delays[-1])
            MESSAGES.labels(consumer=consumer, outcome="retried").inc()
