"""Runs a consumer's steps on its messages: ack on success, retry through the delay levels on a
failure, and after the last level decide by what failed (`infrastructure.faults.may_pass`).

Business outcomes (out of stock, declined) are not failures: the steps turn them into events.
Every failure is retried through the levels, never swallowed. After the last level:
- a fault that may pass (gateway down, connection lost, deadlock): a forward step gives up
  (the order is cancelled and compensated) and the message is parked; a compensation keeps
  retrying at the last delay, since the customer is owed it and the fault may yet pass;
- a failure that will not pass (a bug, a constraint, a value out of range, a payload we cannot
  read): retrying it helps no one, so the step gives up as far as it can (a forward step
  cancels and compensates), the order is marked for an operator and the message is parked,
  compensations included. `main.py dlq list` shows both.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from domain.messages import Message
from domain.steps.base import FlagForOperator, Steps
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.faults import may_pass
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
        flag_for_operator: FlagForOperator,
        crash: CrashPoints = NO_CRASHES,
    ) -> None:
        self.steps = steps
        self._broker = broker
        self._delays = tuple(retry_delays)
        self._flag = flag_for_operator
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
        except Exception as exc:  # noqa: BLE001 - every failure is retried, parked or compensated
            await self._after_failure(received, message, exc)
            return
        self._crash.reached("before_ack", f"{message.name.value} {message.order_id}")
        await received.ack()
        MESSAGES.labels(consumer=consumer, outcome="handled").inc()
        log.info("%s: handled %s of order %s", consumer, message.name.value, message.order_id)

    async def _after_failure(self, received: Received, message: Message, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        passing = may_pass(exc)
        attempt = message.attempt
        if attempt < len(self._delays):
            delay = self._delays[attempt]
            log.warning(
                "%s: %s of order %s failed (attempt %d, %s), retrying in %ss: %s",
                self.steps.consumer.value,
                message.name.value,
                message.order_id,
                attempt + 1,
                "may pass" if passing else "will not pass: parked after the last level",
                delay,
                error,
            )
            await self._retry(received, delay)
        elif passing:
            await self._give_up_or_keep_trying(received, message, error)
        else:
            await self._park_for_an_operator(received, message, error)

    async def _give_up_or_keep_trying(
        self, received: Received, message: Message, error: str
    ) -> None:
        """After the last level, for a fault that may pass."""
        consumer = self.steps.consumer.value
        try:
            compensated = await self.steps.give_up(message, error)
        except Exception as exc:  # noqa: BLE001 - compensation failed too: try again later
            log.error("%s: giving up on %s failed, retrying: %r", consumer, message.id, exc)
            compensated = False
        if compensated:
            self._past_the_levels("%s: parked %s of order %s after %d attempts: %s", message, error)
            await self._park(received, error)
        else:
            self._past_the_levels(
                "%s: %s of order %s still failing after %d attempts, retrying: %s", message, error
            )
            await self._retry(received, self._delays[-1])

    async def _park_for_an_operator(self, received: Received, message: Message, error: str) -> None:
        """After the last level, for a failure that will not pass: give up as far as the step
        can, mark the order, park. Only a fault that may pass in that bookkeeping itself (the
        database down) sends the message round once more."""
        consumer = self.steps.consumer.value
        note = f"{consumer} parked {message.name.value} ({message.id}): {error}"
        for what, bookkeeping in (
            ("give up on", lambda: self.steps.give_up(message, error)),
            ("mark for an operator", lambda: self._flag(message.order_id, note)),
        ):
            try:
                await bookkeeping()
            except Exception as exc:  # noqa: BLE001 - decided below: again later, or go on
                if may_pass(exc):
                    log.error(
                        "%s: could not %s order %s, retrying: %r",
                        consumer,
                        what,
                        message.order_id,
                        exc,
                    )
                    await self._retry(received, self._delays[-1])
                    return
                log.error(
                    "%s: could not %s order %s either, going on: %r",
                    consumer,
                    what,
                    message.order_id,
                    exc,
                )
        self._past_the_levels(
            "%s: parked %s of order %s after %d attempts, a failure that will not pass; "
            "order marked for an operator: %s",
            message,
            error,
        )
        await self._park(received, error)

    def _past_the_levels(self, template: str, message: Message, error: str) -> None:
        """One ERROR line about a message past its last level: `template` takes the consumer,
        the event, the order, the number of attempts and the error, in that order."""
        log.error(
            template,
            self.steps.consumer.value,
            message.name.value,
            message.order_id,
            message.attempt + 1,
            error,
        )

    async def _retry(self, received: Received, delay: float) -> None:
        await received.retry(delay)
        MESSAGES.labels(consumer=self.steps.consumer.value, outcome="retried").inc()

    async def _park(self, received: Received, error: str) -> None:
        await received.park(error)
        MESSAGES.labels(consumer=self.steps.consumer.value, outcome="parked").inc()
