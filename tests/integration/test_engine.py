"""The engine replaces a pooled connection PostgreSQL has closed, before a request uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from infrastructure.database.engine import create_engine
from tests.support.waiting import eventually

BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture
async def one_connection_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    one_connection_engine: AsyncEngine, database_url: str
) -> None:
    async with one_connection_engine.connect() as conn:
        pid = (await conn.execute(BACKEND)).scalar_one()
        pooled = (await conn.get_raw_connection()).driver_connection
    assert pooled is not None

    async def closed() -> bool:
        return bool(pooled.is_closed())

    async with create_engine(database_url).connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    await eventually(closed, bool, within=10, what="the pooled connection to close")

    async with one_connection_engine.connect() as conn:
        replaced = (await conn.execute(BACKEND)).scalar_one()

    assert replaced != pid
