"""Steps as tables: each consumer declares, per event, its handler and what giving up on it
means; `ConsumerSteps` runs a table for the worker.

The machinery, not the handlers, keeps each message to one effect: the inbox's claim of
(consumer, message id) commits with the handler's change, and a message claimed already is
absorbed (logged, nothing done). A handler has one of two shapes:

- `InOneTransaction`: claim, apply, commit. A step with no outside call.
- `AroundOutsideCall`: decide / call / apply (docs/DECISIONS.md, "Outside calls outside
  transactions"). A first transaction decides what to ask the outside (the gateway, the
  carrier) after checking that the message is new; nothing to ask claims the message there.
  The call runs outside any transaction with an idempotency key; a second transaction claims
  the message and applies the answer, re-reading what it needs, since a cancellation may have
  come in between. A crash between the call and the claim repeats the call, which its key
  makes harmless. A decide that writes nothing needs no transaction (`decide_writes=False`).

A step whose handlers begin by locking the message's order says so (`locks_order`): the inbox
locks the order in the same statement as its check or claim.

An event a consumer does not handle is an error (`UnhandledEvent`), never a silent skip.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from domain.messages import Consumer, Event, Message
from domain.moves import cancel_for
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.status import CancelReason

log = logging.getLogger("orders.steps")

Outside = TypeVar("Outside")
"""The outside port a consumer's steps call (the gateway, the carrier), or None."""
Decision = TypeVar("Decision")
Answer = TypeVar("Answer")


class UnhandledEvent(Exception):
    """A message of an event its consumer has no step for: a routing mistake, or a message from
    another version of the service. It will not pass: parked after its levels, for an
    operator."""

    def __init__(self, consumer: Consumer, event: Event) -> None:
        super().__init__(f"the {consumer.value} steps do not handle {event.value}")


@dataclass(frozen=True, slots=True)
class Reach(Generic[Outside]):
    """What a consumer's handlers may reach beyond the unit of work they are given."""

    uow: UnitOfWorkFactory
    outside: Outside
    reads: UnitOfWorkFactory
    """Units whose statements each commit on their own (no BEGIN and COMMIT, and a lock is
    not held past its statement): for a decide that writes nothing."""


def absorbed(consumer: Consumer, message: Message) -> None:
    """Note a message this consumer had handled already (a redelivery or a duplicate)."""
    log.info(
        "duplicate absorbed: %s %s of order %s by %s",
        message.name.value,
        message.id,
        message.order_id,
        consumer.value,
    )


def _order_of(message: Message, locks_order: bool) -> UUID | None:
    return message.order_id if locks_order else None


@dataclass(frozen=True, slots=True)
class InOneTransaction:
    apply: Callable[[UnitOfWork, Message], Awaitable[None]]
    locks_order: bool = False
    """`apply` begins by locking the message's order: the claim locks it, in one statement."""

    async def run(self, reach: Reach[Any], consumer: Consumer, message: Message) -> None:
        async with reach.uow() as work:
            order = _order_of(message, self.locks_order)
            if not await work.inbox.claim(consumer, message.id, lock_order=order):
                absorbed(consumer, message)
                return
            await self.apply(work, message)
            await work.commit()


@dataclass(frozen=True, slots=True)
class AroundOutsideCall(Generic[Outside, Decision, Answer]):
    decide: Callable[[UnitOfWork, Message], Awaitable[Decision | None]]
    """In the first transaction, the message being new: what to ask the outside, or None when
    there is nothing to ask (the message is then done with)."""
    call: Callable[[Reach[Outside], Decision], Awaitable[Answer]]
    """The outside call, in no transaction."""
    apply: Callable[[UnitOfWork, Decision, Answer], Awaitable[None]]
    """In the second transaction, the message claimed: keep the answer."""
    locks_order: bool = False
    """`decide` and `apply` begin by locking the message's order: the inbox's check and claim
    lock it, in one statement each."""
    decide_writes: bool = True
    """False: `decide` only reads, so it needs no transaction of its own: its statements
    auto-commit (`Reach.reads`), and the apply's transaction is the step's only one. A decide
    that writes (the payment attempt, counted before the call) keeps its transaction."""

    async def run(self, reach: Reach[Outside], consumer: Consumer, message: Message) -> None:
        order = _order_of(message, self.locks_order)
        async with (reach.uow if self.decide_writes else reach.reads)() as work:
            if await work.inbox.seen(consumer, message.id, lock_order=order):
                absorbed(consumer, message)
                return
            decision = await self.decide(work, message)
            if decision is None:
                await work.inbox.claim(consumer, message.id)
            await work.commit()
        if decision is None:
            return
        answer = await self.call(reach, decision)
        async with reach.uow() as work:
            if not await work.inbox.claim(consumer, message.id, lock_order=order):
                absorbed(consumer, message)
                return
            await self.apply(work, decision, answer)
            await work.commit()


@dataclass(frozen=True, slots=True)
class CancelTheOrder:
    """Giving up cancels the order for `reason` (the other steps then compensate) and parks the
    message."""

    reason: CancelReason
    saying: str
    """The history's message, before the error."""
    also: Callable[[UnitOfWork, Message, str], Awaitable[None]] | None = None
    """What else a cancellation at give-up records, in its transaction, given the error."""


@dataclass(frozen=True, slots=True)
class NeverAbandoned:
    """A compensation owed to the customer or the shelf: while its fault may pass it keeps
    retrying at the last delay (the worker parks it, for an operator, when it will not)."""


NEVER_ABANDONED = NeverAbandoned()


@dataclass(frozen=True, slots=True)
class Step(Generic[Outside]):
    """One row of a consumer's table: how an event is handled, and what giving up on it means."""

    handler: InOneTransaction | AroundOutsideCall[Outside, Any, Any]
    giving_up: CancelTheOrder | NeverAbandoned


@dataclass(frozen=True, slots=True)
class StepTable(Generic[Outside]):
    """A consumer's steps, one per event it handles; its work queue receives those events."""

    consumer: Consumer
    steps: Mapping[Event, Step[Outside]]

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self.steps)


class ConsumerSteps(Generic[Outside]):
    """Runs a consumer's table for the worker (`domain.steps.base.Steps`)."""

    def __init__(
        self,
        table: StepTable[Outside],
        uow: UnitOfWorkFactory,
        outside: Outside,
        reads: UnitOfWorkFactory | None = None,
    ) -> None:
        """`reads`: units whose statements auto-commit (`Reach.reads`); `uow` when not given."""
        self.consumer = table.consumer
        self._table = table
        self._reach = Reach(uow, outside, reads or uow)

    def _step(self, message: Message) -> Step[Outside]:
        step = self._table.steps.get(message.name)
        if step is None:
            raise UnhandledEvent(self.consumer, message.name)
        return step

    async def handle(self, message: Message) -> None:
        """Apply the message once. Raises on a fault; the worker retries or gives up."""
        await self._step(message).handler.run(self._reach, self.consumer, message)

    async def give_up(self, message: Message, error: str) -> bool:
        """After the last retry. True: the order is cancelled and compensated (if it still
        could be), park the message. False: a compensation, never abandoned."""
        giving_up = self._step(message).giving_up
        if isinstance(giving_up, NeverAbandoned):
            return False
        async with self._reach.uow() as work:
            order = await work.orders.lock(message.order_id)
            cancelled = await cancel_for(
                work, order, giving_up.reason, f"{giving_up.saying}: {error}"
            )
            if cancelled is not None and giving_up.also is not None:
                await giving_up.also(work, message, error)
            await work.commit()
        return True
