"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from infrastructure.database.engine import create_engine
from infrastructure.database.migrate import at_head, upgrade_to_head
from infrastructure.database.tables import metadata


async def _drift(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"compare_type": True, "compare_server_default": True}
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()


async def test_migrated_postgresql_matches_the_models(database_url: str) -> None:
    assert await _drift(database_url) == []


async def test_migrated_sqlite_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(upgrade_to_head, url)
    assert await _drift(url) == []


async def test_migrating_twice_changes_nothing(database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, database_url)
    assert await _drift(database_url) == []


async def test_migrate_check_says_whether_every_migration_is_applied(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    before = await at_head(url)
    await asyncio.to_thread(upgrade_to_head, url)
    assert (before, await at_head(url)) == (False, True)
