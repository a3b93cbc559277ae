"""Stock levels and reservations. Every change is one conditional UPDATE, never read-then-write,
so concurrent orders can never oversell: the database refuses what is not there."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.order import OrderItem
from infrastructure.database.tables import stock_reservation_table, stock_table
from infrastructure.database.types import utc_now

_stock = stock_table.c
_held = stock_reservation_table.c


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"


class SqlStockRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def reserve(self, order_id: UUID, lines: Sequence[OrderItem]) -> list[int]:
        short: list[int] = []
        now = utc_now()
        savepoint = await self._conn.begin_nested()
        # the same lock order for every order, so two orders never deadlock on their lines
        for line in sorted(lines, key=lambda item: item.product_id):
            taken = await self._conn.execute(
                update(stock_table)
                .where(_stock.product_id == line.product_id, _stock.available >= line.quantity)
                .values(
                    available=_stock.available - line.quantity,
                    reserved=_stock.reserved + line.quantity,
                    updated_at=now,
                )
            )
            if taken.rowcount != 1:
                short.append(line.product_id)
        if short:
            await savepoint.rollback()
            return short
        await self._conn.execute(
            insert(stock_reservation_table),
            [
                {
                    "order_id": order_id,
                    "product_id": line.product_id,
                    "quantity": line.quantity,
                    "status": ReservationStatus.RESERVED.value,
                    "created_at": now,
                    "updated_at": now,
                }
                for line in lines
            ],
        )
        await savepoint.commit()
        return []

    async def _held_lines(
        self, order_id: UUID, statuses: Sequence[ReservationStatus]
    ) -> list[tuple[int, int, ReservationStatus]]:
        stmt = (
            select(_held.product_id, _held.quantity, _held.status)
            .where(_held.order_id == order_id, _held.status.in_([s.value for s in statuses]))
            .order_by(_held.product_id)
            .with_for_update()
        )
        rows = await self._conn.execute(stmt)
        return [(row.product_id, row.quantity, ReservationStatus(row.status)) for row in rows]

    async def _mark(self, order_id: UUID, product_id: int, status: ReservationStatus) -> None:
        await self._conn.execute(
            update(stock_reservation_table)
            .where(_held.order_id == order_id, _held.product_id == product_id)
            .values(status=status.value, updated_at=utc_now())
        )

    async def commit(self, order_id: UUID) -> list[int]:
        lines = await self._held_lines(order_id, [ReservationStatus.RESERVED])
        for product_id, quantity, _ in lines:
            await self._conn.execute(
                update(stock_table)
                .where(_stock.product_id == product_id)
                .values(reserved=_stock.reserved - quantity, updated_at=utc_now())
            )
            await self._mark(order_id, product_id, ReservationStatus.COMMITTED)
        return [product_id for product_id, _, _ in lines]

    async def release(self, order_id: UUID) -> list[int]:
        lines = await self._held_lines(
            order_id, [ReservationStatus.RESERVED, ReservationStatus.COMMITTED]
        )
        for product_id, quantity, status in lines:
            held = quantity if status is ReservationStatus.RESERVED else 0
            await self._conn.execute(
                update(stock_table)
                .where(_stock.product_id == product_id)
                .values(
                    available=_stock.available + quantity,
                    reserved=_stock.reserved - held,
                    updated_at=utc_now(),
                )
            )
            await self._mark(order_id, product_id, ReservationStatus.RELEASED)
        return [product_id for product_id, _, _ in lines]
