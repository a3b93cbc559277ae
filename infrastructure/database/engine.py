"""One async engine per process, its driver picked by the URL's scheme."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

CONNECT_TIMEOUT_SECONDS = 5

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
}


def async_database_url(url: str) -> str:
    """Map `postgresql://` and `sqlite://` onto their async drivers; keep explicit drivers."""
    scheme, rest = url.split("://", 1)
    return f"{_ASYNC_DRIVERS.get(scheme, scheme)}://{rest}"


def is_sqlite(url: str) -> bool:
    return make_url(async_database_url(url)).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    full_url = async_database_url(url)
    if is_sqlite(full_url):
        return _create_sqlite_engine(full_url, **kwargs)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # a database that is down must fail a request quickly, never hang it
    kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_SECONDS})
    engine = create_async_engine(full_url, **kwargs)
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed_connection)
    return engine


def single_statements(engine: AsyncEngine) -> AsyncEngine:
    """The engine for work that is one statement: auto-committed on PostgreSQL, where a single
    statement is atomic on its own and BEGIN and COMMIT would cost two round trips more. The
    same engine elsewhere (SQLite begins its transactions IMMEDIATE, see below)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _refuse_closed_connection(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Replace a pooled connection the server has closed (PostgreSQL restarted) before it is
    used. asyncpg notices the closed socket as soon as the server closes it, so this asks no
    round trip of the database, where `pool_pre_ping` asks one on every checkout; a link that
    dies silently is still found by the first statement, which invalidates the pool."""
    if record.driver_connection.is_closed():
        raise DisconnectionError("the database closed this connection")


def _create_sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # The file's folder must exist: start-up refuses one that does not (startup_checks.py).
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling breaks SAVEPOINT; we begin transactions below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads, then writes, fails
        # at once with "database is locked" when another writer got there first.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
