"""The members' points ledger, in the unit's transaction."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.points import PointsEntry
from infrastructure.database.tables import member_table, points_entry_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_or_skip

_LOCK_MEMBER = (
    select(member_table.c.id).where(member_table.c.id == bindparam("member_id")).with_for_update()
)
_BALANCE = select(func.coalesce(func.sum(points_entry_table.c.amount), 0)).where(
    points_entry_table.c.member_id == bindparam("member_id")
)


class SqlPointsLedger:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.changed: set[UUID] = set()
        """Orders an entry was written for: their members' points change, announced once the
        unit of work commits (the response cache drops the points' answers on it)."""

    async def lock_member(self, member_id: str) -> None:
        # the member's row stands for the member's points: SQLite's transactions take turns
        # already (they begin IMMEDIATE); FOR UPDATE is PostgreSQL's
        await self._conn.execute(_LOCK_MEMBER, {"member_id": member_id})

    async def balance(self, member_id: str) -> int:
        return int((await self._conn.execute(_BALANCE, {"member_id": member_id})).scalar_one())

    async def add(self, entry: PointsEntry) -> bool:
        written = await insert_or_skip(
            self._conn,
            points_entry_table,
            {
                "member_id": entry.member_id,
                "order_id": entry.order_id,
                "reason": entry.reason.value,
                "part": entry.part,
                "amount": entry.amount,
                "created_at": entry.at or utc_now(),
            },
        )
        if written:
            self.changed.add(entry.order_id)
        return written
