"""Counting SQL statements at the driver, to assert how many a request costs: those SQLAlchemy
executes (its `before_cursor_execute`) and those the read store sends through asyncpg itself
(`infrastructure/database/driver_reads.py`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from infrastructure.database.driver_reads import every_statement


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.transactions = 0
        """BEGIN … COMMIT (or ROLLBACK) pairs; an auto-committed statement sends neither."""

    def _record(self, statement: str) -> None:
        self.statements.append(statement)

    def _begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.transactions += 1

    def clear(self) -> None:
        self.statements.clear()
        self.transactions = 0

    def count(self) -> int:
        return len(self.statements)

    def touching(self, table: str) -> list[str]:
        """Statements that read or write `table` (its name after FROM, JOIN, INTO or UPDATE)."""
        pattern = re.compile(rf"\b(FROM|JOIN|INTO|UPDATE)\s+{re.escape(table)}\b")
        return [s for s in self.statements if pattern.search(s)]

    @classmethod
    @contextmanager
    def attached(cls, engine: AsyncEngine) -> Iterator[StatementLog]:
        log = cls()
        event.listen(engine.sync_engine, "begin", log._begin)
        try:
            with every_statement(engine, log._record):
                yield log
        finally:
            event.remove(engine.sync_engine, "begin", log._begin)
