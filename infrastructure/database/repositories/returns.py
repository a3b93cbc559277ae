from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.order_return import OrderReturn, ReturnReason, ReturnScan, ReturnStatus
from infrastructure.database.mapping import order_return_from_row
from infrastructure.database.tables import order_return_table, return_scan_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_or_skip

_ret = order_return_table.c


class SqlReturnRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(
        self, order_id: UUID, reason: ReturnReason, lines: tuple[tuple[int, int], ...]
    ) -> int:
        numbered = await self._conn.execute(
            select(func.coalesce(func.max(_ret.number), 0) + 1).where(_ret.order_id == order_id)
        )
        number = int(numbered.scalar_one())
        now = utc_now()
        await self._conn.execute(
            insert(order_return_table).values(
                order_id=order_id,
                number=number,
                reason=reason.value,
                lines=[list(line) for line in lines],
                status=ReturnStatus.REQUESTED.value,
                created_at=now,
                updated_at=now,
            )
        )
        return number

    async def of_order(self, order_id: UUID) -> list[OrderReturn]:
        rows = await self._conn.execute(
            select(order_return_table).where(_ret.order_id == order_id).order_by(_ret.number)
        )
        return [order_return_from_row(row) for row in rows]

    async def lock(self, order_id: UUID, number: int) -> OrderReturn | None:
        stmt = (
            select(order_return_table)
            .where(_ret.order_id == order_id, _ret.number == number)
            .with_for_update()
        )
        row = (await self._conn.execute(stmt)).first()
        return order_return_from_row(row) if row else None

    async def lock_by_tracking_number(self, tracking_number: str) -> OrderReturn | None:
        stmt = (
            select(order_return_table)
            .where(_ret.tracking_number == tracking_number)
            .with_for_update()
        )
        row = (await self._conn.execute(stmt)).first()
        return order_return_from_row(row) if row else None

    async def registered(self, found: OrderReturn, tracking_number: str) -> None:
        await self._set(
            found, status=ReturnStatus.COLLECTING.value, tracking_number=tracking_number
        )

    async def set_status(self, found: OrderReturn, status: ReturnStatus) -> None:
        await self._set(found, status=status.value)

    async def received(self, found: OrderReturn, fee_kept: int) -> None:
        await self._set(found, status=ReturnStatus.RECEIVED.value, fee_kept=fee_kept)

    async def record_scan(self, scan: ReturnScan, carrier_event_id: str) -> bool:
        return await insert_or_skip(
            self._conn,
            return_scan_table,
            {
                "order_id": scan.order_id,
                "number": scan.number,
                "status": scan.status.value,
                "scan": scan.scan,
                "location": scan.location,
                "carrier_event_id": carrier_event_id,
                "occurred_at": scan.occurred_at,
            },
        )

    async def _set(self, found: OrderReturn, **values: object) -> None:
        await self._conn.execute(
            update(order_return_table)
            .where(_ret.order_id == found.order_id, _ret.number == found.number)
            .values(updated_at=utc_now(), **values)
        )
