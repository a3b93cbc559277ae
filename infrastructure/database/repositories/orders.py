from __future__ import annotations

import dataclasses
from uuid import UUID

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.money import Money
from domain.order import NewOrder, Order, OrderItem
from domain.status import CancelReason, OrderStatus, transition
from infrastructure.database.mapping import order_from_row, order_item_from_row
from infrastructure.database.tables import order_event_table, order_item_table, order_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_or_skip

PLACED_MESSAGE = "order placed"
_INSERT_ITEM = insert(order_item_table)
_PLACE_ON_POSTGRESQL = text(
    """
WITH new_order AS (
    INSERT INTO orders (id, number, member_id, status, total_amount, currency, recipient, phone,
                        zip_code, line1, line2, payment_token, idempotency_key,
                        request_fingerprint, created_at, updated_at)
    VALUES (CAST(:id AS uuid), :number, :member_id, CAST(:status AS varchar), :total_amount,
            :currency, :recipient, :phone, :zip_code, :line1, :line2, :payment_token,
            :idempotency_key, :request_fingerprint, CAST(:created_at AS timestamptz),
            CAST(:updated_at AS timestamptz))
    ON CONFLICT DO NOTHING
    RETURNING id
), new_lines AS (
    INSERT INTO order_item (order_id, product_id, quantity, unit_price, currency)
    SELECT new_order.id, line.product_id, line.quantity, line.unit_price, line.currency
    FROM new_order,
         unnest(CAST(:products AS bigint[]), CAST(:quantities AS integer[]),
                CAST(:unit_prices AS integer[]), CAST(:currencies AS varchar[]))
             WITH ORDINALITY AS line (product_id, quantity, unit_price, currency, position)
    ORDER BY line.position
), first_entry AS (
    INSERT INTO order_event (order_id, status, message, occurred_at)
    SELECT new_order.id, CAST(:status AS varchar), CAST(:message AS varchar),
           CAST(:created_at AS timestamptz)
    FROM new_order
)
SELECT count(*) FROM new_order
"""
)
"""`add` on PostgreSQL: any unique conflict on the order (the (member, key) of a repeated
request, or a number drawn twice) inserts nothing at all, and counts 0."""
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

    async def add(self, order: NewOrder) -> bool:
        address = order.shipping_address
        total: Money = order.total
        values = {
            "id": order.id,
            "number": order.number,
            "member_id": order.member_id,
            "status": OrderStatus.PENDING.value,
            "total_amount": total.amount,
            "currency": total.currency,
            "recipient": address.recipient,
            "phone": address.phone,
            "zip_code": address.zip_code,
            "line1": address.line1,
            "line2": address.line2,
            "payment_token": order.payment_token,
            "idempotency_key": order.idempotency_key,
            "request_fingerprint": order.request_fingerprint,
            "created_at": order.created_at,
            "updated_at": order.created_at,
        }
        if self._conn.dialect.name == "postgresql":
            return await self._add_in_one_statement(order, values)
        # any unique conflict skips the row: the (member, key) of a repeated request, or a
        # number drawn twice; the caller tells them apart
        inserted = await self._conn.execute(insert_or_skip(self._conn, order_table), values)
        if inserted.rowcount != 1:
            return False
        await self._conn.execute(
            _INSERT_ITEM,
            [
                {
                    "order_id": order.id,
                    "product_id": line.product_id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price.amount,
                    "currency": line.unit_price.currency,
                }
                for line in order.lines
            ],
        )
        await self._history(order.id, OrderStatus.PENDING, PLACED_MESSAGE)
        return True

    async def _add_in_one_statement(self, order: NewOrder, values: dict[str, object]) -> bool:
        """The order, its lines and its first history entry in one round trip (PostgreSQL)."""
        lines = order.lines
        placed = await self._conn.execute(
            _PLACE_ON_POSTGRESQL,
            {
                **values,
                "message": PLACED_MESSAGE,
                "products": [line.product_id for line in lines],
                "quantities": [line.quantity for line in lines],
                "unit_prices": [line.unit_price.amount for line in lines],
                "currencies": [line.unit_price.currency for line in lines],
            },
        )
        return bool(placed.scalar_one() == 1)

    async def find_by_idempotency_key(
        self, member_id: str, key: str
    ) -> tuple[Order, str | None] | None:
        stmt = select(order_table).where(
            order_table.c.member_id == member_id, order_table.c.idempotency_key == key
        )
        row = (await self._conn.execute(stmt)).first()
        return (order_from_row(row), row.request_fingerprint) if row else None

    async def lock(self, order_id: UUID) -> Order | None:
        row = (await self._conn.execute(_LOCK_ORDER, {"id": order_id})).first()
        return order_from_row(row) if row else None

    async def items(self, order_id: UUID) -> list[OrderItem]:
        rows = await self._conn.execute(_ITEMS, {"order_id": order_id})
        return [order_item_from_row(row) for row in rows]

    async def change_status(
        self,
        order: Order,
        target: OrderStatus,
        *,
        reason: CancelReason | None = None,
        message: str | None = None,
    ) -> Order:
        status = transition(order.status, target)
        now = utc_now()
        await self._conn.execute(
            update(order_table)
            .where(order_table.c.id == order.id)
            .values(
                status=status.value,
                cancel_reason=reason.value if reason else order_table.c.cancel_reason,
                updated_at=now,
            )
        )
        await self._history(order.id, status, message)
        self.changed.add(order.id)
        return dataclasses.replace(
            order, status=status, cancel_reason=reason or order.cancel_reason, updated_at=now
        )

    async def _history(self, order_id: UUID, status: OrderStatus, message: str | None) -> None:
        await self._conn.execute(
            _INSERT_HISTORY,
            {
                "order_id": order_id,
                "status": status.value,
                "message": message[:500] if message else None,
                "occurred_at": utc_now(),
            },
        )
