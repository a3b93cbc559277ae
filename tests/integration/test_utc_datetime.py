"""A `UTCDateTime` read from PostgreSQL is aware and in UTC without a result processor: asyncpg
answers a `timestamp with time zone` so whatever the session's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from infrastructure.database.engine import create_engine
from infrastructure.database.types import UTCDateTime


async def test_a_timestamp_read_in_another_zone_comes_back_in_utc(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    assert UTCDateTime().dialect_impl(engine.dialect).result_processor(engine.dialect, None) is None
    stmt = text("SELECT TIMESTAMPTZ '2026-12-03 21:00:00.25+09' AS at").columns(at=UTCDateTime())
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SET TIME ZONE 'Asia/Seoul'"))
            at = (await conn.execute(stmt)).scalar_one()
    finally:
        await engine.dispose()

    assert at == datetime(2026, 12, 3, 12, 0, 0, 250_000, tzinfo=UTC)
    assert at.tzinfo is UTC
