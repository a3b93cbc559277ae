"""Which failures may pass if the same work is tried again later, and which will not.

A retry is for a fault that may pass: an outside service unavailable (`TransientFault`), a
connection lost or refused, a timeout, a deadlock or serialization failure, a lock not granted,
a database shutting down or starting up, too many connections. Anything else is a bug, a
constraint violated, a value out of range or a message we cannot read: the same input fails the
same way however long we wait, so it is not worth retrying past the delay levels.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa

from domain.ports import TransientFault

_PASSING_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
"""PostgreSQL error classes that may pass: connection exception, transaction rollback (deadlock,
serialization failure), insufficient resources, operator intervention (shutdown, starting up,
statement timeout), system error (I/O)."""
_PASSING_SQLSTATES = frozenset({"55P03", "55006"})
"""lock_not_available (a lock or statement timeout while waiting for a lock), object_in_use."""
_PASSING_SQLITE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def may_pass(error: BaseException) -> bool:
    """True when `error` is a fault that may pass, so that trying again later is worth it."""
    if isinstance(error, TransientFault | ConnectionError | TimeoutError | OSError):
        return True
    if isinstance(error, sa.TimeoutError | sa.DisconnectionError):
        return True  # no pooled connection within the pool's timeout; a connection dropped
    if isinstance(error, sa.DBAPIError):
        return error.connection_invalidated or _database_fault_may_pass(error.orig)
    return False


def _database_fault_may_pass(orig: BaseException | None) -> bool:
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _PASSING_SQLSTATE_CLASSES or sqlstate in _PASSING_SQLSTATES
    if isinstance(orig, sqlite3.Error):
        return (orig.sqlite_errorcode & 0xFF) in _PASSING_SQLITE_CODES
    return isinstance(orig, ConnectionError | TimeoutError | OSError)
