"""Which failures the workers retry past their levels: real errors from PostgreSQL, SQLite and
the network, told apart by `may_pass` (a fault that may pass, or a failure that will not)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bootstrap import Services
from domain.ports import TransientFault
from domain.status import OrderStatus, TransitionNotAllowed
from infrastructure.database.engine import create_engine
from infrastructure.database.tables import delivery_event_table, member_table
from infrastructure.faults import may_pass
from infrastructure.payment.simulated_gateway import GatewayUnavailable
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.factories import create_member
from tests.support.raised import raised


@pytest.fixture
async def engine(services: Services) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own, so that connections it breaks are no one else's."""
    own = create_engine(services.settings.database_url)
    yield own
    await own.dispose()


async def test_a_unique_violation_will_not_pass(engine: AsyncEngine) -> None:
    member = await create_member(engine)

    async def again() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(member_table).values(id=member, name="x"))

    assert not may_pass(await raised(again))


async def test_a_number_out_of_range_will_not_pass(engine: AsyncEngine) -> None:
    async def overflow() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 2147483647::integer + 1"))

    assert not may_pass(await raised(overflow))


async def test_a_time_python_cannot_hold_in_utc_will_not_pass(engine: AsyncEngine) -> None:
    """The issue's example: the insert of a tracking event at 0001-01-01T00:00:00+14:00."""
    year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))

    async def insert_it() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                insert(delivery_event_table).values(
                    delivery_id=uuid.uuid4(), status="DELIVERED", occurred_at=year_one
                )
            )

    assert not may_pass(await raised(insert_it))


async def test_a_lock_not_granted_in_time_may_pass(engine: AsyncEngine) -> None:
    member = await create_member(engine)
    lock = text("SELECT id FROM member WHERE id = :id FOR UPDATE")
    async with engine.connect() as holder:
        await holder.execute(lock, {"id": member})

        async def wait_for_it() -> None:
            async with engine.connect() as conn:
                await conn.execute(text("SET LOCAL lock_timeout = '50ms'"))
                await conn.execute(lock, {"id": member})

        assert may_pass(await raised(wait_for_it))


async def test_a_statement_timeout_may_pass(engine: AsyncEngine) -> None:
    async def slow() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SET LOCAL statement_timeout = '50ms'"))
            await conn.execute(text("SELECT pg_sleep(5)"))

    assert may_pass(await raised(slow))


async def test_a_deadlock_may_pass(engine: AsyncEngine) -> None:
    first, second = await create_member(engine), await create_member(engine)
    both_hold = asyncio.Barrier(2)

    async def lock(one: str, other: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT id FROM member WHERE id = :id FOR UPDATE"), {"id": one})
            await both_hold.wait()
            await conn.execute(
                text("SELECT id FROM member WHERE id = :id FOR UPDATE"), {"id": other}
            )

    outcomes = await asyncio.gather(
        lock(first, second), lock(second, first), return_exceptions=True
    )

    [deadlock] = [o for o in outcomes if isinstance(o, BaseException)]
    assert "deadlock" in str(deadlock)
    assert may_pass(deadlock)


async def test_a_connection_the_server_ended_may_pass(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()

        async def use_it() -> None:
            await conn.execute(text("SELECT 1"))

        assert may_pass(await raised(use_it))


async def test_a_database_that_refuses_connections_may_pass() -> None:
    nowhere = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")

    async def connect() -> None:
        async with nowhere.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        assert may_pass(await raised(connect))
    finally:
        await nowhere.dispose()


async def test_a_locked_sqlite_database_may_pass(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locked.db'}"
    holder = create_async_engine(url)
    impatient = create_async_engine(url, connect_args={"timeout": 0})
    try:
        async with holder.connect() as conn:
            await conn.execute(text("BEGIN IMMEDIATE"))

            async def write() -> None:
                async with impatient.connect() as other:
                    await other.execute(text("BEGIN IMMEDIATE"))

            locked = await raised(write)
    finally:
        await holder.dispose()
        await impatient.dispose()

    assert "locked" in str(locked)
    assert may_pass(locked)


@pytest.mark.parametrize(
    ("error", "passing"),
    [
        (GatewayUnavailable("payment gateway unavailable"), True),
        (TransientFault("the carrier is down"), True),
        (ConnectionResetError("reset by peer"), True),
        (TimeoutError(), True),
        (OverflowError("date value out of range"), False),
        (ValueError("occurredAt needs a time zone"), False),
        (KeyError("trackingNumber"), False),
        (TransitionNotAllowed(OrderStatus.CANCELLED, OrderStatus.DELIVERED), False),
        (AssertionError(), False),
    ],
)
def test_faults_of_our_own_and_of_python(error: BaseException, passing: bool) -> None:
    assert may_pass(error) is passing
