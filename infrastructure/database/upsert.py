"""INSERT … ON CONFLICT for whichever of PostgreSQL and SQLite the connection speaks."""

from __future__ import annotations

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
