"""The outbox relay: publishes the messages that transactions wrote to the outbox.

Rows are taken with FOR UPDATE SKIP LOCKED, so several relays share the work, and marked
published in the same statement, in a transaction that commits only after the broker confirmed
them. A relay that dies mid-batch holds no lock any more (its transaction is rolled back) and
another one sends the batch again; consumers drop the duplicates by message id. The relay wakes
on the PostgreSQL NOTIFY that a committing writer sends, and polls as well in case a
notification is missed.

A batch is at most `BATCH` messages. One whose confirms do not all come back within the broker's
timeout (a loaded machine, a slow broker) is taken again at half the size, down to a single
message, and the size doubles back after each batch confirmed: sending the same large batch
again would time out again, and every try would hand consumers its confirmed half once more.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
import orjson
from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.messages import Event, Message
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.database.engine import CONNECT_TIMEOUT_SECONDS
from infrastructure.database.repositories.messages import OUTBOX_CHANNEL
from infrastructure.database.tables import outbox_table
from infrastructure.database.types import utc_now
from infrastructure.messaging.broker import Broker
from infrastructure.stopping import sleep_unless_stopped

log = logging.getLogger(__name__)

_outbox = outbox_table.c

BATCH = 500
"""The most messages one transaction takes and publishes."""
MAX_BACKOFF_SECONDS = 10.0

_TAKE_BATCH = (
    update(outbox_table)
    .where(
        _outbox.id.in_(
            select(_outbox.id)
            .where(_outbox.published_at.is_(None))
            .order_by(_outbox.id)
            .limit(bindparam("batch"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(published_at=bindparam("now"))
    .returning(
        _outbox.id,
        _outbox.message_id,
        _outbox.routing_key,
        _outbox.order_id,
        _outbox.correlation_id,
        _outbox.payload,
    )
)


def _message(row: Any) -> Message:
    return Message(
        name=Event(row.routing_key),
        order_id=row.order_id,
        payload=orjson.loads(row.payload),
        id=row.message_id,
        correlation_id=row.correlation_id,
    )


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        broker: Broker,
        *,
        poll_seconds: float,
        crash: CrashPoints = NO_CRASHES,
    ) -> None:
        self._engine = engine
        self._broker = broker
        self._crash = crash
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._batch = BATCH

    def wake(self) -> None:
        """Look at the outbox now (a writer in this process just committed to it)."""
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch; how many messages it held.

        The batch is taken and marked published in one statement, and published before its
        transaction commits: a publish that fails, or a relay that dies before the commit,
        leaves the rows unpublished for the next pass. A batch that timed out halves the next
        one; one confirmed doubles it, up to `BATCH` (module docstring).
        """
        limit = self._batch
        try:
            async with self._engine.connect() as conn, conn.begin():
                taken = await conn.execute(_TAKE_BATCH, {"now": utc_now(), "batch": limit})
                rows = sorted(taken, key=lambda row: row.id)
                if not rows:
                    return 0
                await self._broker.publish([_message(row) for row in rows])
                self._crash.reached("after_publish")
        except TimeoutError:
            self._batch = max(1, limit // 2)
            raise
        self._batch = min(BATCH, limit * 2)
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        listener: asyncpg.Connection | None = None
        backoff = 0.0
        try:
            while not stop.is_set():
                if listener is None or listener.is_closed():
                    listener = await self._listen()  # again after a database restart
                self._wake.clear()
                limit = self._batch
                try:
                    sent = await self.relay_once()
                except Exception as exc:  # noqa: BLE001 - the rows stay; try again shortly
                    backoff = min(max(backoff * 2, 0.5), MAX_BACKOFF_SECONDS)
                    log.warning(
                        "outbox relay failed, retrying in %.1fs with batches of at most %d: %r",
                        backoff,
                        self._batch,
                        exc,
                    )
                    await sleep_unless_stopped(stop, backoff)
                    continue
                backoff = 0.0
                if sent == limit:  # a full batch: more may be waiting
                    continue
                await self._wait(stop)
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()

    async def _wait(self, stop: asyncio.Event) -> None:
        woken = asyncio.ensure_future(self._wake.wait())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait(
                {woken, stopped}, timeout=self._poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            woken.cancel()
            stopped.cancel()

    async def _listen(self) -> asyncpg.Connection | None:
        """A LISTEN connection on PostgreSQL; None elsewhere, or when it cannot be had (the
        relay then polls)."""
        url = make_url(str(self._engine.url))
        if url.get_backend_name() != "postgresql":
            return None
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            connection = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS)
            await connection.add_listener(OUTBOX_CHANNEL, self._notified)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            log.warning("outbox relay cannot LISTEN, polling only: %r", exc)
            return None
        return connection

    def _notified(self, *_args: object) -> None:
        self._wake.set()
