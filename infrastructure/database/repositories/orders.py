from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.order import HistoryEntry, Move, NewOrder, Order, OrderItem
from domain.status import OrderStatus
from infrastructure.database.mapping import order_from_row, order_item_from_row
from infrastructure.database.tables import (
    order_event_table,
    order_item_table,
    order_request_key_table,
    order_table,
)
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_or_skip

PLACED_MESSAGE = "order placed"
ATTENTION_LENGTH = 500
_INSERT_ITEM = insert(order_item_table)
_INSERT_HISTORY = insert(order_event_table)
_LOCK_ORDER = select(order_table).where(order_table.c.id == bindparam("id")).with_for_update()
_ITEMS = (
    select(order_item_table)
    .where(order_item_table.c.order_id == bindparam("order_id"))
    .order_by(order_item_table.c.id)
)


class SqlOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.changed: set[UUID] = set()
        """Orders whose status this unit of work changed, to announce once it commits."""
        self._held: dict[UUID, Order | None] = {}

    def hold(self, order_id: UUID, order: Order | None) -> None:
        """The order as the inbox's statement just locked it (None: there is none): the next
        `lock` of it answers this, without a statement of its own."""
        self._held[order_id] = order

    async def add(self, new: NewOrder) -> bool:
        order, total, money = new.draft, new.total, new.money
        address = order.shipping_address
        values = {
            "id": order.id,
            "number": order.number,
            "member_id": order.member_id,
            "status": OrderStatus.PENDING.value,
            "total_amount": total.amount,
            "currency": total.currency,
            "shipping_fee": money.shipping_fee,
            "points_used": money.points_used,
            "points_to_earn": money.points_to_earn,
            **address.parts(),
            "payment_token": order.payment_token,
            "idempotency_key": order.idempotency_key,
            "request_fingerprint": order.request_fingerprint,
            "created_at": order.created_at,
            "updated_at": order.created_at,
        }
        # any unique conflict skips the row: the (member, key) of a repeated request, or a
        # number drawn twice; the caller tells them apart
        if not await insert_or_skip(self._conn, order_table, values):
            return False
        await self._conn.execute(
            _INSERT_ITEM,
            [
                {
                    "order_id": order.id,
                    "product_id": line.product_id,
                    "quantity": line.quantity,
                    "unit_price": line.price.sale_price,
                    "currency": total.currency,
                    "unit_discount": line.price.discount,
                    "discount_rate": line.price.rates.discount,
                    "points_rate": line.price.rates.points,
                    "order_created_at": order.created_at,
                }
                for line in new.lines
            ],
        )
        await self._history(order.id, HistoryEntry(OrderStatus.PENDING, PLACED_MESSAGE, utc_now()))
        return True

    async def find_by_idempotency_key(
        self, member_id: str, key: str
    ) -> tuple[Order, str | None] | None:
        stmt = select(order_table).where(
            order_table.c.member_id == member_id, order_table.c.idempotency_key == key
        )
        row = (await self._conn.execute(stmt)).first()
        return (order_from_row(row), row.request_fingerprint) if row else None

    async def request_with_key(self, member_id: str, key: str) -> str | None:
        stmt = select(order_request_key_table.c.request_fingerprint).where(
            order_request_key_table.c.member_id == member_id,
            order_request_key_table.c.idempotency_key == key,
        )
        return (await self._conn.execute(stmt)).scalar_one_or_none()

    async def keep_request_key(self, member_id: str, key: str, fingerprint: str) -> bool:
        return await insert_or_skip(
            self._conn,
            order_request_key_table,
            {
                "member_id": member_id,
                "idempotency_key": key,
                "request_fingerprint": fingerprint,
                "created_at": utc_now(),
            },
        )

    async def lock(self, order_id: UUID) -> Order | None:
        if order_id in self._held:
            return self._held.pop(order_id)
        row = (await self._conn.execute(_LOCK_ORDER, {"id": order_id})).first()
        return order_from_row(row) if row else None

    async def items(self, order_id: UUID) -> list[OrderItem]:
        rows = await self._conn.execute(_ITEMS, {"order_id": order_id})
        return [order_item_from_row(row) for row in rows]

    async def record(self, move: Move) -> None:
        order = move.order
        await self._conn.execute(
            update(order_table)
            .where(order_table.c.id == order.id)
            .values(
                status=order.status.value,
                cancel_reason=order.cancel_reason.value if order.cancel_reason else None,
                updated_at=order.updated_at,
            )
        )
        await self._history(order.id, move.entry)
        self.changed.add(order.id)

    async def record_lines_cancelled(
        self, order: Order, quantities: Mapping[int, int], entry: HistoryEntry
    ) -> None:
        await self._conn.execute(
            update(order_table)
            .where(order_table.c.id == order.id)
            .values(
                total_amount=order.total.amount,
                shipping_fee=order.shipping_fee,
                points_used=order.points_used,
                points_to_earn=order.points_to_earn,
                partial_cancellations=order.partial_cancellations,
                updated_at=order.updated_at,
            )
        )
        line = order_item_table.c
        for product_id, quantity in sorted(quantities.items()):
            of_line = (line.order_id == order.id) & (line.product_id == product_id)
            if quantity:
                await self._conn.execute(
                    update(order_item_table).where(of_line).values(quantity=quantity)
                )
            else:
                await self._conn.execute(delete(order_item_table).where(of_line))
        await self._history(order.id, entry)
        self.changed.add(order.id)

    async def record_address_changed(self, order: Order, entry: HistoryEntry) -> None:
        await self._conn.execute(
            update(order_table)
            .where(order_table.c.id == order.id)
            .values(**order.shipping_address.parts(), updated_at=order.updated_at)
        )
        await self._history(order.id, entry)
        self.changed.add(order.id)

    async def record_note(self, order_id: UUID, entry: HistoryEntry) -> None:
        await self._history(order_id, entry)
        self.changed.add(order_id)

    async def delivered_at(self, order_id: UUID) -> datetime | None:
        found = await self._conn.execute(
            select(func.max(order_event_table.c.occurred_at)).where(
                order_event_table.c.order_id == order_id,
                order_event_table.c.status == OrderStatus.DELIVERED.value,
            )
        )
        at: datetime | None = found.scalar_one()
        return at

    async def needs_attention(self, order_id: UUID, note: str) -> None:
        await self._conn.execute(
            update(order_table)
            .where(order_table.c.id == order_id)
            .values(attention=note[:ATTENTION_LENGTH])
        )

    async def _history(self, order_id: UUID, entry: HistoryEntry) -> None:
        await self._conn.execute(
            _INSERT_HISTORY,
            {
                "order_id": order_id,
                "status": entry.status.value,
                "message": entry.message[:500],
                "occurred_at": entry.at,
            },
        )
