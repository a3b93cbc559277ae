"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from infrastructure.database.engine import create_engine
from infrastructure.database.migrate import alembic_config, at_head, upgrade_to_head
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


async def test_a_parcel_from_before_scans_were_counted_goes_on_from_where_it_was(
    tmp_path: Path,
) -> None:
    """Migration 0009: a parcel IN_TRANSIT has had both trunk scans, and the ones up to the
    status it had reported count as reported, so its next report is 배송출발."""
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0008")
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO simulated_parcel (tracking_number, reference, status, "
                    "reported_status, zip_code, cancelled, next_step_at, created_at, updated_at) "
                    "VALUES ('1', 'a', 'IN_TRANSIT', 'PICKED_UP', '06236', 0, :at, :at, :at)"
                ),
                {"at": "2026-12-01 00:00:00.000000"},
            )
        await asyncio.to_thread(upgrade_to_head, url)
        async with engine.connect() as conn:
            found = (
                await conn.execute(text("SELECT scans, reported_scans FROM simulated_parcel"))
            ).one()
    finally:
        await engine.dispose()

    assert tuple(found) == (3, 1)
