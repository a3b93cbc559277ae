"""The outbox (messages to publish) and the inbox (messages handled), in the unit's transaction."""

from __future__ import annotations

from uuid import UUID

import orjson
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.messages import Consumer, Message
from infrastructure.database.tables import outbox_table, processed_message_table
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
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def seen(self, consumer: Consumer, message_id: UUID) -> bool:
        found = await self._conn.execute(
            _SEEN, {"consumer": consumer.value, "message_id": message_id}
        )
        return found.first() is not None

    async def claim(self, consumer: Consumer, message_id: UUID) -> bool:
        claimed = await self._conn.execute(
            insert_or_skip(self._conn, processed_message_table),
            {"consumer": consumer.value, "message_id": message_id, "processed_at": utc_now()},
        )
        return bool(claimed.rowcount == 1)
