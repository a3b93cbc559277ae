"""Stock: reserve every line of a placed order or none, commit on payment, release on cancel."""

from __future__ import annotations

from domain.messages import Consumer, Event, Message
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.status import CancelReason, OrderStatus
from domain.steps.base import absorbed, cancel_for


class StockSteps:
    consumer = Consumer.STOCK

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def handle(self, message: Message) -> None:
        async with self._uow() as work:
            if not await work.inbox.claim(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            if message.name is Event.ORDER_PLACED:
                await self._reserve(work, message)
            elif message.name is Event.PAYMENT_APPROVED:
                work.products_changed(await work.stock.commit(message.order_id))
            elif message.name is Event.ORDER_CANCELLED:
                work.products_changed(await work.stock.release(message.order_id))
            await work.commit()

    async def _reserve(self, work: UnitOfWork, message: Message) -> None:
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
        await work.orders.change_status(order, OrderStatus.STOCK_RESERVED, message="stock reserved")
        await work.outbox.add(Message(Event.STOCK_RESERVED, order.id))

    async def give_up(self, message: Message, error: str) -> bool:
        if message.name is not Event.ORDER_PLACED:
            return False  # committing or releasing stock is owed: never abandoned
        async with self._uow() as work:
            order = await work.orders.lock(message.order_id)
            await cancel_for(
                work, order, CancelReason.OUT_OF_STOCK, f"stock could not be reserved: {error}"
            )
            await work.commit()
        return True
