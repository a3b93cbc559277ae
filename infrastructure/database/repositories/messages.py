"""The outbox (messages to publish) and the inbox (messages handled), in the unit's transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Boolean, bindparam, insert, select, text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.messages import Consumer, Message
from infrastructure.database.mapping import order_from_row
from infrastructure.database.repositories.orders import SqlOrderRepository
from infrastructure.database.tables import order_table, outbox_table, processed_message_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_or_skip
from infrastructure.observability.logs import request_id

OUTBOX_CHANNEL = "orders_outbox"
"""PostgreSQL NOTIFY channel that wakes the relays when a transaction wrote to the outbox."""
_INSERT_OUTBOX = insert(outbox_table)
_INSERT_OUTBOX_AND_NOTIFY = text(
    f"""
WITH message AS (
    INSERT INTO outbox (message_id, routing_key, order_id, correlation_id, payload, created_at)
    VALUES (CAST(:message_id AS uuid), :routing_key, CAST(:order_id AS uuid), :correlation_id,
            :payload, CAST(:created_at AS timestamptz))
    RETURNING id
)
SELECT pg_notify('{OUTBOX_CHANNEL}', '') FROM message
"""
)
_SEEN = select(processed_message_table.c.message_id).where(
    processed_message_table.c.consumer == bindparam("consumer"),
    processed_message_table.c.message_id == bindparam("message_id"),
)

_LOCKED = "locked AS (SELECT * FROM orders WHERE id = :order_id FOR UPDATE)"
_WITH_THE_ORDER = "FROM (SELECT 1) AS one LEFT JOIN locked ON true"
"""One row, the order's columns NULL when there is no such order."""
_SEEN_LOCKING = text(
    f"""
WITH {_LOCKED}
SELECT EXISTS (
    SELECT 1 FROM processed_message WHERE consumer = :consumer AND message_id = :message_id
) AS answer, locked.* {_WITH_THE_ORDER}
"""
).columns(*order_table.c, answer=Boolean)
_CLAIM_LOCKING = text(
    f"""
WITH {_LOCKED},
claimed AS (
    INSERT INTO processed_message (consumer, message_id, processed_at)
    SELECT :consumer, CAST(:message_id AS uuid), CAST(:processed_at AS timestamptz)
    FROM (SELECT count(*) FROM locked) AS after_the_lock
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM claimed) AS answer, locked.* {_WITH_THE_ORDER}
"""
).columns(*order_table.c, answer=Boolean)
"""The claim reads `locked`, so it is inserted after the order's lock is held."""


class SqlOutbox:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.written = False
        self.orders: set[UUID] = set()
        """The orders the messages written in this unit of work are about."""

    async def add(self, message: Message) -> None:
        # PostgreSQL delivers the notification at commit, and only if the transaction commits;
        # the first message of a transaction sends it, in the same statement
        notify = not self.written and self._conn.dialect.name == "postgresql"
        await self._conn.execute(
            _INSERT_OUTBOX_AND_NOTIFY if notify else _INSERT_OUTBOX,
            {
                "message_id": message.id,
                "routing_key": message.name.value,
                "order_id": message.order_id,
                "correlation_id": message.correlation_id or request_id.get(),
                "payload": orjson.dumps(message.payload).decode(),
                "created_at": utc_now(),
            },
        )
        self.written = True
        self.orders.add(message.order_id)


class SqlInbox:
    """On PostgreSQL, `lock_order` is one statement with the inbox's read or claim; elsewhere
    the inbox alone, and the step's `orders.lock` locks the order itself."""

    def __init__(self, conn: AsyncConnection, orders: SqlOrderRepository) -> None:
        self._conn = conn
        self._orders = orders
        self._folds = conn.dialect.name == "postgresql"

    async def seen(
        self, consumer: Consumer, message_id: UUID, *, lock_order: UUID | None = None
    ) -> bool:
        values = {"consumer": consumer.value, "message_id": message_id}
        if lock_order is not None and self._folds:
            values["order_id"] = lock_order
            return self._hold(lock_order, await self._conn.execute(_SEEN_LOCKING, values))
        found = await self._conn.execute(_SEEN, values)
        return found.first() is not None

    async def claim(
        self, consumer: Consumer, message_id: UUID, *, lock_order: UUID | None = None
    ) -> bool:
        values = {"consumer": consumer.value, "message_id": message_id, "processed_at": utc_now()}
        if lock_order is not None and self._folds:
            values["order_id"] = lock_order
            return self._hold(lock_order, await self._conn.execute(_CLAIM_LOCKING, values))
        return await insert_or_skip(self._conn, processed_message_table, values)

    def _hold(self, order_id: UUID, rows: CursorResult[Any]) -> bool:
        """The inbox's answer (seen, or claimed now), the locked order kept for the unit's next
        `orders.lock`."""
        row = rows.one()
        self._orders.hold(order_id, order_from_row(row) if row.id is not None else None)
        return bool(row.answer)
