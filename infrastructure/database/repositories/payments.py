from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.money import Money
from domain.payment import Payment, PaymentEventKind
from domain.status import PaymentStatus
from infrastructure.database.mapping import payment_from_row
from infrastructure.database.tables import payment_event_table, payment_table
from infrastructure.database.types import UTCDateTime, utc_now
from infrastructure.database.upsert import insert_on_conflict

_pay = payment_table.c


class SqlPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.changed: set[UUID] = set()
        """Orders whose payment this unit of work wrote (an order's reader sees it)."""

    async def lock(self, order_id: UUID) -> Payment | None:
        stmt = select(payment_table).where(_pay.order_id == order_id).with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return payment_from_row(row) if row else None

    async def record_attempt(self, order_id: UUID, amount: Money) -> Payment:
        now = utc_now()
        stmt = (
            insert_on_conflict(self._conn, payment_table)
            .values(
                id=uuid.uuid4(),
                order_id=order_id,
                status=PaymentStatus.PENDING.value,
                amount=amount.amount,
                currency=amount.currency,
                attempts=1,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_update(
                index_elements=[_pay.order_id],
                set_={"attempts": _pay.attempts + 1, "updated_at": now},
            )
            .returning(payment_table)
        )
        self.changed.add(order_id)
        return payment_from_row((await self._conn.execute(stmt)).one())

    async def record_error(self, order_id: UUID, error: str) -> None:
        await self._conn.execute(
            update(payment_table)
            .where(_pay.order_id == order_id)
            .values(last_error=error, updated_at=utc_now())
        )
        self.changed.add(order_id)

    async def record_part_refund(self, order_id: UUID, amount: Money) -> None:
        now = utc_now()
        await self._conn.execute(
            update(payment_table)
            .where(_pay.order_id == order_id)
            .values(refunded=_pay.refunded + amount.amount, updated_at=now)
        )
        await self._event(order_id, PaymentEventKind.PARTIALLY_REFUNDED, amount.amount, now)
        self.changed.add(order_id)

    async def approve(self, order_id: UUID, transaction_id: str | None, at: datetime) -> None:
        values: dict[str, object] = {"approved_at": at}
        if transaction_id is not None:
            values["transaction_id"] = transaction_id
        await self._update(order_id, PaymentStatus.APPROVED, values)
        await self._event(order_id, PaymentEventKind.APPROVED, _pay.amount, at)

    async def settle(self, order_id: UUID, status: PaymentStatus, error: str | None = None) -> None:
        await self._update(order_id, status, {} if error is None else {"last_error": error})
        if status is PaymentStatus.REFUNDED:
            left = _pay.amount - _pay.refunded
            await self._event(order_id, PaymentEventKind.REFUNDED, left, utc_now())

    async def _event(
        self,
        order_id: UUID,
        kind: PaymentEventKind,
        amount: int | ColumnElement[int],
        at: datetime,
    ) -> None:
        """The payment's history gains an event; an amount of the payment row's is read from it
        in the same statement."""
        await self._conn.execute(
            insert(payment_event_table).from_select(
                ["order_id", "kind", "amount", "occurred_at"],
                select(
                    _pay.order_id,
                    literal(kind.value),
                    amount if isinstance(amount, ColumnElement) else literal(amount),
                    literal(at, UTCDateTime()),
                ).where(_pay.order_id == order_id),
            )
        )

    async def _update(
        self, order_id: UUID, status: PaymentStatus, values: dict[str, object]
    ) -> None:
        await self._conn.execute(
            update(payment_table)
            .where(_pay.order_id == order_id)
            .values(status=status.value, updated_at=utc_now(), **values)
        )
        self.changed.add(order_id)
