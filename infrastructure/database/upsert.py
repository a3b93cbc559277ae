"""INSERT … ON CONFLICT for whichever of PostgreSQL and SQLite the connection speaks."""

from __future__ import annotations

from functools import cache

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


def insert_or_skip(bind: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT DO NOTHING, built once per dialect and table: executed with its
    values as parameters, it skips building and hashing a new statement on every call."""
    return _insert_or_skip(bind.dialect.name, table)
