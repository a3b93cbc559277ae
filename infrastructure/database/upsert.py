"""INSERT … ON CONFLICT for whichever of PostgreSQL and SQLite the connection speaks."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


def insert_on_conflict(
    bind: AsyncConnection | AsyncEngine, table: Table
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports `on_conflict_do_nothing` / `on_conflict_do_update` on both."""
    if bind.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@cache
def _insert_or_skip(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing()


async def insert_or_skip(conn: AsyncConnection, table: Table, values: Mapping[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING of one row: True when it was written, False when a
    unique conflict skipped it (a row with the same key was there already). The statement is
    built once per dialect and table and executed with the row as its parameters: it skips
    building and hashing a new statement on every call."""
    inserted = await conn.execute(_insert_or_skip(conn.dialect.name, table), values)
    return bool(inserted.rowcount == 1)
