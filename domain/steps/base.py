"""What every consumer's steps look like to the worker that runs them."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from domain.messages import Consumer, Event, Message
from domain.order import Order
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.status import CancelReason, OrderStatus, can_transition

log = logging.getLogger("orders.steps")


def absorbed(consumer: Consumer, message: Message) -> None:
    """Note a message this consumer had handled already (a redelivery or a duplicate)."""
    log.info(
        "duplicate absorbed: %s %s of order %s by %s",
        message.name.value,
        message.id,
        message.order_id,
        consumer.value,
    )


class Steps(Protocol):
    consumer: Consumer

    async def handle(self, message: Message) -> None:
        """Apply the message once. Raises on a fault; the worker retries or gives up."""
        ...

    async def give_up(self, message: Message, error: str) -> bool:
        """Called after the last retry. Fail and compensate the order, then True: park the
        message. False: a compensation that must not be abandoned while its fault may pass."""
        ...


FlagForOperator = Callable[[UUID, str], Awaitable[None]]
"""Marks an order for an operator, saying why."""


def flag_for_operator(uow: UnitOfWorkFactory) -> FlagForOperator:
    async def flag(order_id: UUID, note: str) -> None:
        async with uow() as work:
            await work.orders.needs_attention(order_id, note)
            await work.commit()

    return flag


async def cancel_for(
    work: UnitOfWork, order: Order | None, reason: CancelReason, message: str
) -> bool:
    """Cancel the order (if it still can be) and announce it, so that the other steps
    compensate. False when there was nothing to cancel."""
    if order is None or not can_transition(order.status, OrderStatus.CANCELLED):
        return False
    await work.orders.change_status(order, OrderStatus.CANCELLED, reason=reason, message=message)
    await work.outbox.add(Message(Event.ORDER_CANCELLED, order.id, {"reason": reason.value}))
    return True


async def order_still_at(
    work: UnitOfWork, consumer: Consumer, message: Message, status: OrderStatus
) -> Order | None:
    """Before an outside call: the order, locked, when this message is new and the order still
    waits at `status`. Otherwise the message is done with (marked handled, if new) and None:
    an order cancelled meanwhile needs no charge and no parcel."""
    if await work.inbox.seen(consumer, message.id):
        absorbed(consumer, message)
        return None
    order = await work.orders.lock(message.order_id)
    if order is None or order.status is not status:
        await work.inbox.claim(consumer, message.id)
        await work.commit()
        return None
    return order
