"""The read store's hottest statements on PostgreSQL, straight through the pooled connection's
asyncpg connection, without SQLAlchemy's execution of each statement.

SQLAlchemy compiles each statement once, here; a read then checks a connection out of the same
pool and hands the SQL text and its keys to asyncpg (prepared once per connection by asyncpg's
statement cache). What SQLAlchemy would do on the way is either not needed or done here the same
way:

- values: only a statement none of whose parameters and columns has a bind or result processor
  on this dialect is taken (`DriverStatement.of` answers None otherwise), so every value is the
  driver's as SQLAlchemy would hand it on; rows are read by attribute (`row.id`) as its rows are,
  through a record class whose attributes are the columns' positions;
- errors: a failure of the statement goes through SQLAlchemy's own handling of a DBAPI error
  (`_handle_dbapi_exception`): the same `DBAPIError` subclass, `connection_invalidated` and pool
  invalidation as a statement it executed, so `infrastructure/faults.py` and the API see what
  they saw; a statement cancelled or timed out drops its connection, as SQLAlchemy does; the
  connection is checked out as a SQLAlchemy `Connection`, so a database that refuses
  connections fails as before (tests/integration/test_driver_reads.py holds each of these);
- counting: there is no cursor, so SQLAlchemy's `before_cursor_execute` does not fire; the
  listeners of `listening` hear each statement's text at the same moment instead, and
  `every_statement` hears both paths (`tests/support/statements.py` and
  `bench/pipeline_statements.py` count with it).

One round trip a read, as through SQLAlchemy in AUTOCOMMIT: no BEGIN, no ROLLBACK.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

import asyncpg
from sqlalchemy import ARRAY, Dialect, Select, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn, is_exit_exception

StatementListener = Callable[[str], None]

_LISTENERS: WeakKeyDictionary[Pool, list[StatementListener]] = WeakKeyDictionary()
"""Who hears the statements sent through a pool's connections; by pool, so that an engine and
its copies with other execution options (`single_statements`) share them. Looked up at each
read: `AsyncEngine.dispose` gives the engine a new pool."""


@contextmanager
def listening(engine: AsyncEngine, listener: StatementListener) -> Iterator[None]:
    """`listener` hears the text of every statement `DriverReads` sends through the engine's
    pool while the block runs: what `before_cursor_execute` is for SQLAlchemy's statements."""
    listeners = _LISTENERS.setdefault(engine.sync_engine.pool, [])
    listeners.append(listener)
    try:
        yield
    finally:
        listeners.remove(listener)


@contextmanager
def every_statement(engine: AsyncEngine, listener: StatementListener) -> Iterator[None]:
    """`listener` hears every statement sent through the engine while the block runs: those
    SQLAlchemy executes (its `before_cursor_execute`) and those sent to asyncpg here
    (`listening`). What counts statements (the tests' `StatementLog`, the pipeline's bench)
    counts with it."""

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        listener(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", executed)
    try:
        with listening(engine, listener):
            yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", executed)


class DriverStatement:
    """One SELECT compiled for asyncpg: its text, its parameters' names in order with the values
    the statement gives those it holds (a literal), and the record class its rows come in."""

    __slots__ = ("given", "parameters", "record_class", "sql")

    def __init__(
        self,
        sql: str,
        parameters: Sequence[str],
        given: Mapping[str, Any],
        record_class: type[Any],
    ) -> None:
        self.sql = sql
        self.parameters = tuple(parameters)
        self.given = dict(given)
        self.record_class = record_class

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The positional arguments: each parameter's value from `values`, else the statement's
        own (as SQLAlchemy fills them); a required one missing is a KeyError."""
        given = self.given
        return [values[name] if name in values else given[name] for name in self.parameters]

    @classmethod
    def of(cls, stmt: Select[Any], dialect: Dialect) -> DriverStatement | None:
        """The statement compiled for `dialect`, or None when SQLAlchemy would change a value on
        its way to or from the driver (a type with a bind or result processor), or renders some
        parameter at execution (an expanding IN): those stay with SQLAlchemy."""
        compiled = stmt.compile(dialect=dialect)
        names = compiled.positiontup or []
        if compiled.literal_execute_params or compiled.post_compile_params:
            return None
        if any(_processes_binds(compiled.binds[name].type, dialect) for name in names):
            return None
        attributes: dict[str, property] = {}
        for position, column in enumerate(stmt.selected_columns):
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                return None
            if column.key is None:
                continue  # an unnamed column (a count): read by position, as through SQLAlchemy
            if column.key in attributes:
                return None
            # a property over the record's own item access: C calls only, no Python frame a
            # value
            attributes[column.key] = property(itemgetter(position))
        record_class = type("DriverRow", (asyncpg.Record,), attributes)
        given = {
            name: compiled.binds[name].effective_value
            for name in names
            if not compiled.binds[name].required
        }
        return cls(compiled.string, names, given, record_class)


def _processes_binds(kind: TypeEngine[Any], dialect: Dialect) -> bool:
    """Whether SQLAlchemy changes a value of this type on its way to the driver. An array's
    processor without one for its items only copies the sequence into a list, which the read
    store's keys are already."""
    impl = kind.dialect_impl(dialect)
    if isinstance(impl, ARRAY):
        return _processes_binds(impl.item_type, dialect)
    return impl.bind_processor(dialect) is not None


class DriverReads:
    """Sends `DriverStatement`s through the engine's pool (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine

    async def fetch(self, statement: DriverStatement, values: Mapping[str, Any]) -> list[Any]:
        arguments = statement.arguments(values)
        # SQLAlchemy's own Connection, checked out and closed as `AsyncEngine.connect` does
        # (a connection refused fails as there; the close shielded as there) without its
        # asyncio wrapper, half the CPU of a checkout
        connection = await greenlet_spawn(self._engine.connect)
        try:
            pooled = connection.connection
            driver: Any = pooled.driver_connection
            for listener in _LISTENERS.get(self._engine.pool, ()):
                listener(statement.sql)
            try:
                rows: list[Any] = await driver.fetch(
                    statement.sql, *arguments, record_class=statement.record_class
                )
            except BaseException as error:
                if not isinstance(error, Exception) or is_exit_exception(error):
                    # as SQLAlchemy does for a statement of its own that was cancelled or timed
                    # out: the connection's state is unknown, so it is not used again
                    await greenlet_spawn(connection.invalidate, error)
                    raise
                dbapi_error = _as_dbapi_error(pooled, error)
                if dbapi_error is None:
                    raise
                await greenlet_spawn(
                    connection._handle_dbapi_exception,
                    dbapi_error,
                    statement.sql,
                    tuple(arguments),
                    None,
                    None,
                )
                raise  # SQLAlchemy's handling raises; never reached
            return rows
        finally:
            await asyncio.shield(greenlet_spawn(connection.close))


def _as_dbapi_error(pooled: Any, error: Exception) -> Exception | None:
    """asyncpg's exception as the adapted connection translates it (as its cursor does), for
    SQLAlchemy's handling of a failed statement; None for an error that is not the database's,
    which SQLAlchemy raises unchanged from a statement it executed."""
    adapted = pooled.dbapi_connection
    try:
        adapted._handle_exception(error)
    except adapted.dbapi.Error as translated:
        return translated  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - not the database's error: raised as it is
        return None
    return None
