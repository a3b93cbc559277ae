"""The unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Self
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.messages import Event, Message
from infrastructure.database.repositories.catalogue import SqlCatalogueRepository
from infrastructure.database.repositories.deliveries import SqlDeliveryRepository
from infrastructure.database.repositories.messages import SqlInbox, SqlOutbox
from infrastructure.database.repositories.orders import SqlOrderRepository
from infrastructure.database.repositories.payments import SqlPaymentRepository
from infrastructure.database.repositories.points import SqlPointsLedger
from infrastructure.database.repositories.returns import SqlReturnRepository
from infrastructure.database.repositories.stock import SqlStockRepository

log = logging.getLogger(__name__)

ProductsChanged = Callable[[list[int]], Awaitable[None]]
OrdersChanged = Callable[[list[UUID]], Awaitable[None]]
OutboxWritten = Callable[[], None]


class SqlUnitOfWork:
    orders: SqlOrderRepository
    catalogue: SqlCatalogueRepository
    stock: SqlStockRepository
    payments: SqlPaymentRepository
    deliveries: SqlDeliveryRepository
    points: SqlPointsLedger
    returns: SqlReturnRepository
    outbox: SqlOutbox
    inbox: SqlInbox

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        products_changed: ProductsChanged,
        orders_changed: OrdersChanged,
        outbox_written: OutboxWritten,
        answers_changed: OrdersChanged,
    ) -> None:
        self._engine = engine
        self._products_changed = products_changed
        self._orders_changed = orders_changed
        self._outbox_written = outbox_written
        self._answers_changed = answers_changed
        """Called after the commit with every order a reader would see changed: the response
        cache drops their answers at once (its consumer drops them again on the events)."""
        self._conn: AsyncConnection | None = None
        self._changed: set[int] = set()

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        try:
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self._changed = set()
        self.orders = SqlOrderRepository(conn)
        self.catalogue = SqlCatalogueRepository(conn)
        self.stock = SqlStockRepository(conn)
        self.payments = SqlPaymentRepository(conn)
        self.deliveries = SqlDeliveryRepository(conn)
        self.points = SqlPointsLedger(conn)
        self.returns = SqlReturnRepository(conn)
        self.outbox = SqlOutbox(conn)
        self.inbox = SqlInbox(conn, self.orders)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    async def commit(self) -> None:
        assert self._conn is not None, "commit outside the unit of work"
        seen_changed = await self._announce_changed_orders()
        await self._conn.commit()
        if seen_changed:
            await self._answers_changed(seen_changed)
        if self._changed:
            await self._products_changed(sorted(self._changed))
        if self.orders.changed:
            await self._orders_changed(list(self.orders.changed))
        if self.outbox.written:
            self._outbox_written()

    async def _announce_changed_orders(self) -> list[UUID]:
        """An `order.changed` message, in this transaction, for each order whose reader (or
        whose member's points) would see a change that no message written here is about: the
        response cache's consumer hears every event, so each committed change reaches it even
        when this process dies right after the commit. The orders a reader would see changed."""
        changed = (
            self.orders.changed
            | self.payments.changed
            | self.deliveries.changed
            | self.points.changed
        )
        for order_id in sorted(changed - self.outbox.orders):
            await self.outbox.add(Message(Event.ORDER_CHANGED, order_id))
        return sorted(changed)

    def products_changed(self, product_ids: Iterable[int]) -> None:
        self._changed.update(product_ids)
