"""Before a command does any work (migrating, seeding, printing addresses), what its settings name
is checked: the port it will listen on is free, the SQLite database's folder exists, PostgreSQL
and RabbitMQ answer. A refusal is one line that names the setting, never a traceback."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import aio_pika
from aio_pika.exceptions import AMQPError
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from infrastructure.database.engine import async_database_url, create_engine, is_sqlite

CHECK_TIMEOUT_SECONDS = 5.0

SETTING_WRONG = 2
"""Exit code of a refusal the settings must change to lift (a supervisor need not retry)."""
NOT_ANSWERING = 1
"""Exit code of a refusal that may pass (a service down, a port taken): retrying may help."""


class StartupRefused(Exception):
    """Start-up cannot go on. The message is one line naming the setting."""

    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _not_answering(setting: str, service: str, address: str, exc: BaseException) -> StartupRefused:
    return StartupRefused(
        f"{setting}: cannot connect to {service} at {address}: {_reason(exc)}",
        exit_code=NOT_ANSWERING,
    )


def check_port_free(setting: str, host: str, port: int) -> None:
    """Bind the address as uvicorn will (SO_REUSEADDR), and let it go again."""
    try:
        family, kind, protocol, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupRefused(
                f"{setting}: {host}:{port} is in use by another process"
                f" (stop it, or set {setting} to a free port)",
                exit_code=NOT_ANSWERING,
            ) from exc
        raise StartupRefused(
            f"ORDERS_HOST: cannot listen on {host}:{port}: {_reason(exc)}",
            exit_code=SETTING_WRONG,
        ) from exc


def check_sqlite_folder(database_url: str) -> None:
    """SQLite creates the file but not its folder; a folder that is not there is most likely a
    mistyped path, so it is refused rather than made."""
    database = make_url(async_database_url(database_url)).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    if not folder.is_dir():
        raise StartupRefused(
            f"ORDERS_DATABASE_URL: the folder {folder} of the SQLite database {database} does not"
            " exist (create it, or point ORDERS_DATABASE_URL elsewhere)",
            exit_code=SETTING_WRONG,
        )


async def check_database(database_url: str) -> None:
    if is_sqlite(database_url):
        check_sqlite_folder(database_url)
        return
    url = make_url(async_database_url(database_url))
    engine = create_engine(
        database_url, connect_args={"timeout": CHECK_TIMEOUT_SECONDS}, pool_size=1
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        address = f"{url.host}:{url.port or 5432}/{url.database}"
        raise _not_answering("ORDERS_DATABASE_URL", "PostgreSQL", address, exc) from exc
    finally:
        await engine.dispose()


async def check_broker(amqp_url: str) -> None:
    if amqp_url.startswith("memory://"):
        return
    url = make_url(amqp_url)
    try:
        with _quiet("aiormq"):
            connection = await aio_pika.connect(amqp_url, timeout=CHECK_TIMEOUT_SECONDS)
        await connection.close()
    except (OSError, TimeoutError, AMQPError) as exc:
        address = f"{url.host}:{url.port or 5672}"
        raise _not_answering("ORDERS_AMQP_URL", "RabbitMQ", address, exc) from exc


async def cache_warning(redis_url: str) -> str | None:
    """Redis down is not a refusal: the cache and the rate limiter fail open, and subscribers
    check on their own. It is worth one line, though, since nothing else would say it."""
    if redis_url.startswith("memory://"):
        return None
    client = Redis.from_url(redis_url, socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        await client.ping()
    except (OSError, TimeoutError, RedisError) as exc:
        url = make_url(redis_url)
        return (
            f"ORDERS_REDIS_URL: cannot reach Redis at {url.host}:{url.port or 6379}:"
            f" {_reason(exc)}; running without the cache until it answers"
        )
    finally:
        await client.aclose()
    return None


async def check_before_work(
    *,
    database_url: str | None = None,
    amqp_url: str | None = None,
    redis_url: str | None = None,
    listen: Mapping[str, tuple[str, int]] | None = None,
) -> list[str]:
    """Each check given, cheapest first; raises StartupRefused at the first that fails, and
    answers the warnings of those that only degrade the service."""
    for setting, (host, port) in (listen or {}).items():
        check_port_free(setting, host, port)
    if database_url is not None:
        await check_database(database_url)
    if amqp_url is not None:
        await check_broker(amqp_url)
    warning = await cache_warning(redis_url) if redis_url is not None else None
    return [warning] if warning else []


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == errno.ECONNREFUSED:
        return "connection refused"
    if isinstance(exc, socket.gaierror) or getattr(exc, "errno", None) == socket.EAI_NONAME:
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """A library that logs the failure we are about to report in our own line stays silent."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
