"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
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


async def test_a_payment_from_before_its_events_were_kept_has_them_made_from_its_row(
    tmp_path: Path,
) -> None:
    """Migration 0010: approved at approved_at; what partial refunds gave back, and the whole
    refund of what was left, at the row's last change."""
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0009")
    engine = create_engine(url)
    at = {"approved": "2026-12-01 00:00:00.000000", "changed": "2026-12-01 02:00:00.000000"}
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO member (id, created_at, updated_at) "
                    "VALUES ('m-1', :approved, :approved)"
                ),
                at,
            )
            await conn.execute(
                text(
                    "INSERT INTO orders (id, number, member_id, status, total_amount, currency, "
                    "recipient, phone, zip_code, line1, created_at, updated_at) VALUES "
                    "('0b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b', 'N-1', 'm-1', 'CANCELLED', 30000, "
                    "'KRW', '김민준', '010-1234-5678', '04524', '세종대로 110', "
                    ":approved, :changed)"
                ),
                at,
            )
            await conn.execute(
                text(
                    "INSERT INTO payment (id, order_id, status, amount, refunded, currency, "
                    "attempts, approved_at, created_at, updated_at) VALUES "
                    "('1b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b', '0b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b', "
                    "'REFUNDED', 30000, 12000, 'KRW', 1, :approved, :approved, :changed)"
                ),
                at,
            )
        await asyncio.to_thread(upgrade_to_head, url)
        async with engine.connect() as conn:
            found = (
                await conn.execute(
                    text("SELECT kind, amount, occurred_at FROM payment_event ORDER BY id")
                )
            ).all()
    finally:
        await engine.dispose()

    assert [tuple(row) for row in found] == [
        ("APPROVED", 30000, at["approved"]),
        ("PARTIALLY_REFUNDED", 12000, at["changed"]),
        ("REFUNDED", 18000, at["changed"]),
    ]


async def test_a_line_from_before_the_copy_gets_its_orders_time(tmp_path: Path) -> None:
    """Migration 0011: each order line gets its order's `created_at`, which the search's index
    on the lines is sorted by."""
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0010")
    engine = create_engine(url)
    placed = {"first": "2026-11-30 01:00:00.000000", "second": "2026-12-01 02:00:00.000000"}
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO member (id, created_at, updated_at) VALUES ('m-1', :first, :first)"
                ),
                placed,
            )
            await conn.execute(
                text(
                    "INSERT INTO product (id, isbn, title, author, price, currency, created_at, "
                    "updated_at) VALUES (1, '9791100000009', '바다', '작가', 15000, 'KRW', "
                    ":first, :first)"
                ),
                placed,
            )
            for n, at in enumerate(("first", "second")):
                await conn.execute(
                    text(
                        "INSERT INTO orders (id, number, member_id, status, total_amount, "
                        "currency, recipient, phone, zip_code, line1, created_at, updated_at) "
                        f"VALUES ('{n}b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b', 'N-{n}', 'm-1', "
                        "'DELIVERED', 15000, 'KRW', '김민준', '010-1234-5678', '04524', "
                        f"'세종대로 110', :{at}, :second)"
                    ),
                    placed,
                )
                await conn.execute(
                    text(
                        "INSERT INTO order_item (order_id, product_id, quantity, unit_price, "
                        f"currency) VALUES ('{n}b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b', 1, 1, 15000, "
                        "'KRW')"
                    )
                )
        await asyncio.to_thread(upgrade_to_head, url)
        async with engine.connect() as conn:
            found = (
                await conn.execute(
                    text("SELECT order_id, order_created_at FROM order_item ORDER BY id")
                )
            ).all()
    finally:
        await engine.dispose()

    assert [tuple(row) for row in found] == [
        ("0b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b", placed["first"]),
        ("1b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b", placed["second"]),
    ]


async def test_the_names_of_orders_from_before_the_names_table_are_in_it(
    tmp_path: Path,
) -> None:
    """Migration 0016: each distinct recipient name of the orders there are, once; and a name
    written after it, by the triggers."""
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0015")
    engine = create_engine(url)
    at = {"at": "2026-12-01 00:00:00.000000"}
    insert_order = (
        "INSERT INTO orders (id, number, member_id, status, total_amount, currency, recipient, "
        "phone, zip_code, line1, created_at, updated_at) VALUES "
        "('{n}b6c3a4e8f2d4c1a9e7b5d3f1a2c4e6b', 'N-{n}', 'm-1', 'DELIVERED', 15000, 'KRW', "
        "'{name}', '010-1234-5678', '04524', '세종대로 110', :at, :at)"
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO member (id, created_at, updated_at) VALUES ('m-1', :at, :at)"),
                at,
            )
            for n, name in enumerate(("김민준", "이서연", "김민준")):
                await conn.execute(text(insert_order.format(n=n, name=name)), at)
        await asyncio.to_thread(upgrade_to_head, url)
        async with engine.begin() as conn:
            await conn.execute(text(insert_order.format(n=3, name="박하은")), at)
            found = (await conn.execute(text("SELECT name FROM recipient_name"))).scalars()
            names = sorted(found)
    finally:
        await engine.dispose()

    assert names == ["김민준", "박하은", "이서연"]


def test_the_migrations_have_one_head() -> None:
    """Two migrations written at once on two branches may each follow the same one: upgrading
    to head then fails. Each must follow the last (0012 follows 0011, written meanwhile)."""
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads
