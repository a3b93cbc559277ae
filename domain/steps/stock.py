"""Stock: reserve every line of a placed order or none, commit on payment, release on cancel,
and release exactly the copies a partial cancellation names or a return brings back."""

from __future__ import annotations

from domain.messages import Consumer, Event, Message
from domain.moves import cancel_for, keep
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.status import CancelReason, OrderStatus
from domain.steps.table import (
    NEVER_ABANDONED,
    CancelTheOrder,
    ConsumerSteps,
    InOneTransaction,
    Step,
    StepTable,
)


async def _reserve(work: UnitOfWork, message: Message) -> None:
    order = await work.orders.lock(message.order_id)
    if order is None or order.status is not OrderStatus.PENDING:
        return  # cancelled before its stock was reserved: nothing to hold
    items = await work.orders.items(order.id)
    short = await work.stock.reserve(order.id, items)
    work.products_changed(item.product_id for item in items)
    if short:
        titles = await work.catalogue.titles(short)
        await cancel_for(
            work,
            order,
            CancelReason.OUT_OF_STOCK,
            "out of stock: " + ", ".join(titles[p] for p in short if p in titles),
        )
        return
    await keep(work, order.move_to(OrderStatus.STOCK_RESERVED, "stock reserved"))


async def _commit(work: UnitOfWork, message: Message) -> None:
    work.products_changed(await work.stock.commit(message.order_id))


async def _release(work: UnitOfWork, message: Message) -> None:
    work.products_changed(await work.stock.release(message.order_id))


async def _release_part(work: UnitOfWork, message: Message) -> None:
    lines = [(int(product), int(copies)) for product, copies in message.payload["lines"]]
    work.products_changed(await work.stock.release_part(message.order_id, lines))


STOCK: StepTable[None] = StepTable(
    Consumer.STOCK,
    {
        Event.ORDER_PLACED: Step(
            InOneTransaction(_reserve, locks_order=True),
            CancelTheOrder(CancelReason.OUT_OF_STOCK, "stock could not be reserved"),
        ),
        Event.PAYMENT_APPROVED: Step(InOneTransaction(_commit), NEVER_ABANDONED),
        Event.ORDER_CANCELLED: Step(InOneTransaction(_release), NEVER_ABANDONED),
        Event.ORDER_LINES_CANCELLED: Step(InOneTransaction(_release_part), NEVER_ABANDONED),
        Event.RETURN_RECEIVED: Step(InOneTransaction(_release_part), NEVER_ABANDONED),
    },
)


class StockSteps(ConsumerSteps[None]):
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        super().__init__(STOCK, uow, None)
