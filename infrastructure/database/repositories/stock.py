"""Stock levels and reservations. Every change is one conditional UPDATE, never read-then-write,
so concurrent orders can never oversell: the database refuses what is not there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.order import OrderItem
from infrastructure.database.tables import stock_reservation_table, stock_table
from infrastructure.database.types import utc_now

_stock = stock_table.c
_held = stock_reservation_table.c


_CHANGE_STOCK = (
    update(stock_table)
    .where(_stock.product_id == bindparam("product"))
    .values(
        available=_stock.available + bindparam("freed"),
        reserved=_stock.reserved - bindparam("unreserved"),
        updated_at=bindparam("now"),
    )
)
"""Stock a held line gives back: `freed` to available (a release), `unreserved` from reserved."""


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

    async def _settle(
        self,
        order_id: UUID,
        before: Sequence[ReservationStatus],
        after: ReservationStatus,
        changes: Sequence[Mapping[str, int]],
    ) -> None:
        """Apply the stock changes (one batch, in product order as the lines were locked), then
        move the order's held lines from `before` to `after` in one statement."""
        if not changes:
            return
        now = utc_now()
        await self._conn.execute(_CHANGE_STOCK, [{**change, "now": now} for change in changes])
        await self._conn.execute(
            update(stock_reservation_table)
            .where(_held.order_id == order_id, _held.status.in_([s.value for s in before]))
            .values(status=after.value, updated_at=now)
        )

    async def commit(self, order_id: UUID) -> list[int]:
        held = [ReservationStatus.RESERVED]
        lines = await self._held_lines(order_id, held)
        changes = [
            {"product": product_id, "freed": 0, "unreserved": quantity}
            for product_id, quantity, _ in lines
        ]
        await self._settle(order_id, held, ReservationStatus.COMMITTED, changes)
        return [product_id for product_id, _, _ in lines]

    async def release(self, order_id: UUID) -> list[int]:
        held = [ReservationStatus.RESERVED, ReservationStatus.COMMITTED]
        lines = await self._held_lines(order_id, held)
        changes = [
            {
                "product": product_id,
                "freed": quantity,
                "unreserved": quantity if status is ReservationStatus.RESERVED else 0,
            }
            for product_id, quantity, status in lines
        ]
        await self._settle(order_id, held, ReservationStatus.RELEASED, changes)
        return [product_id for product_id, _, _ in lines]
