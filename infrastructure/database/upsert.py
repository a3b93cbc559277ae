"""INSERT … ON CONFLICT for whichever of PostgreSQL and SQLite the connection speaks."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_on_conflict(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that supports `on_conflict_do_nothing` / `on_conflict_do_update` on both."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
