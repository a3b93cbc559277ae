"""What every consumer's steps look like to the worker that runs them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from domain.messages import Consumer, Message
from domain.order import Order
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.status import OrderStatus


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


async def order_waiting_at(work: UnitOfWork, message: Message, status: OrderStatus) -> Order | None:
    """Before an outside call: the message's order, locked, when it still waits at `status`;
    None when it moved on (an order cancelled meanwhile needs no charge and no parcel)."""
    order = await work.orders.lock(message.order_id)
    return order if order is not None and order.status is status else None
