"""Stock levels and reservations. Concurrent orders never oversell: a reservation takes every line
or none, on PostgreSQL in one statement that locks the lines' stock rows (SELECT … FOR UPDATE, in
product order) and decides from what they hold now, elsewhere with one conditional UPDATE per
line; and the CHECK on `available` refuses what is not there. Committing and releasing lock the
order's held lines before they move its stock out of the warehouse or back on the shelf."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from uuid import UUID

from sqlalchemy import bindparam, insert, select, text, update
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


_RESERVE_ON_POSTGRESQL = text(
    """
WITH wanted AS (
    SELECT *
    FROM unnest(CAST(:products AS bigint[]), CAST(:quantities AS integer[]))
        AS wanted (product_id, quantity)
), locked AS (
    SELECT stock.product_id, stock.available
    FROM stock JOIN wanted ON wanted.product_id = stock.product_id
    ORDER BY stock.product_id
    FOR UPDATE OF stock
), short AS (
    SELECT wanted.product_id
    FROM wanted LEFT JOIN locked ON locked.product_id = wanted.product_id
    WHERE locked.available IS NULL OR locked.available < wanted.quantity
), taken AS (
    UPDATE stock
    SET available = stock.available - wanted.quantity,
        reserved = stock.reserved + wanted.quantity,
        updated_at = CAST(:now AS timestamptz)
    FROM wanted
    WHERE stock.product_id = wanted.product_id AND NOT EXISTS (SELECT FROM short)
), held AS (
    INSERT INTO stock_reservation (order_id, product_id, quantity, status, created_at, updated_at)
    SELECT CAST(:order_id AS uuid), wanted.product_id, wanted.quantity, 'RESERVED',
           CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM wanted
    WHERE NOT EXISTS (SELECT FROM short)
)
SELECT product_id FROM short ORDER BY product_id
"""
)
"""`reserve` on PostgreSQL, in one statement: lock the lines' stock rows in product order (so two
orders never deadlock on their lines), then take every line or none. Locked rows are read as
last committed, so `short` is decided on what is there now; the CHECK on `available` stands
behind it all the same."""


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"


class SqlStockRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def reserve(self, order_id: UUID, lines: Sequence[OrderItem]) -> list[int]:
        now = utc_now()
        if self._conn.dialect.name == "postgresql":
            rows = await self._conn.execute(
                _RESERVE_ON_POSTGRESQL,
                {
                    "order_id": order_id,
                    "products": [line.product_id for line in lines],
                    "quantities": [line.quantity for line in lines],
                    "now": now,
                },
            )
            return [product_id for (product_id,) in rows]
        short: list[int] = []
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

    async def release_part(self, order_id: UUID, lines: Sequence[tuple[int, int]]) -> list[int]:
        held = [ReservationStatus.RESERVED, ReservationStatus.COMMITTED]
        found = {
            product: (quantity, status)
            for product, quantity, status in await self._held_lines(order_id, held)
        }
        changes = []
        now = utc_now()
        for product_id, copies in sorted(lines):
            if product_id not in found:
                continue  # released whole already, these copies with it
            quantity, status = found[product_id]
            copies = min(copies, quantity)
            changes.append(
                {
                    "product": product_id,
                    "freed": copies,
                    "unreserved": copies if status is ReservationStatus.RESERVED else 0,
                }
            )
            of_line = (_held.order_id == order_id) & (_held.product_id == product_id)
            kept = (
                {"status": ReservationStatus.RELEASED.value}
                if copies == quantity
                else {"quantity": quantity - copies}
            )
            await self._conn.execute(
                update(stock_reservation_table).where(of_line).values(updated_at=now, **kept)
            )
        if changes:
            await self._conn.execute(_CHANGE_STOCK, [{**change, "now": now} for change in changes])
        return [change["product"] for change in changes]

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
