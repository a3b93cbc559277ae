"""Where the benchmarks run: a database, a Redis key prefix and RabbitMQ names of their own.

Nothing is shared with test runs (`orders_test_<run id>`, `orders-test-<run id>`): the database is
`orders_bench` and every cache key and broker name starts with `orders-bench`. The addresses
default to the project's services and may be pointed elsewhere with `BENCH_*_URL`;
`BENCH_DATABASE` names another database (and, from it, another prefix), so that benches of
several branches on one machine neither migrate one database to heads the others do not know
nor read each other's cached rows.
"""

from __future__ import annotations

import os
from pathlib import Path

from infrastructure.auth import mint_token
from infrastructure.settings import Settings, load_settings

ROOT = Path(__file__).parents[1]

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def database_url(name: str) -> str:
    """The address of the database `name` on the bench's PostgreSQL."""
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


DATABASE_NAME = os.environ.get("BENCH_DATABASE", "orders_bench")
DATABASE_URL = database_url(DATABASE_NAME)
PREFIX = DATABASE_NAME.replace("_", "-")
"""Our cache key prefix and RabbitMQ name prefix: `orders-bench` by default."""
RAW_PIPELINE_PREFIX = f"{PREFIX}-raw"
"""RabbitMQ name prefix of the minimal pipeline script."""
JWT_SECRET = "bench-secret-" + "b" * 40
RETRY_DELAYS = (1.0, 5.0, 30.0, 120.0)
"""The service's default retry levels, set explicitly so the bench knows its delay queues."""
UNTHROTTLED = str(10**9)
"""Rate-limit points and restore rate: a few clients send all the load, so the limiter must
never refuse them. Every request still pays for the limiter's check."""


def child_environment() -> dict[str, str]:
    """The `ORDERS_*` environment of every process the bench starts, ours or a baseline."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    env.update(
        {
            "ORDERS_DATABASE_URL": DATABASE_URL,
            "ORDERS_REDIS_URL": REDIS_URL,
            "ORDERS_AMQP_URL": AMQP_URL,
            "ORDERS_CACHE_PREFIX": PREFIX,
            "ORDERS_AMQP_PREFIX": PREFIX,
            "ORDERS_JWT_SECRET": JWT_SECRET,
            "ORDERS_RETRY_DELAYS": ",".join(str(delay) for delay in RETRY_DELAYS),
            "ORDERS_RATE_LIMIT_POINTS": UNTHROTTLED,
            "ORDERS_RATE_LIMIT_RESTORE": UNTHROTTLED,
            # the cold path: bench.cached_reads turns the response cache on for its server
            "ORDERS_RESPONSE_CACHE": "off",
        }
    )
    return env


def bearer(member_id: str, name: str) -> str:
    """A customer's `Authorization` header value, signed with the bench's secret."""
    token = mint_token(secret=JWT_SECRET, member_id=member_id, name=name)
    return f"Bearer {token}"


def in_process_settings(name: str, **overrides: object) -> Settings:
    """The service's settings for a bench part that runs it in its own process: the bench's
    services, cache and RabbitMQ names of its own (`orders-bench-<name>`), the limiter as wide
    open as for the servers the bench starts."""
    values: dict[str, object] = {
        "database_url": DATABASE_URL,
        "redis_url": REDIS_URL,
        "amqp_url": AMQP_URL,
        "cache_prefix": f"{PREFIX}-{name}",
        "amqp_prefix": f"{PREFIX}-{name}",
        "jwt_secret": JWT_SECRET,
        "rate_limit_points": int(UNTHROTTLED),
        "rate_limit_restore": float(UNTHROTTLED),
        # the cold path, as for the servers (child_environment): with the response cache on,
        # every request after the first of a case would be a hit
        "response_cache": False,
    }
    return load_settings(**{**values, **overrides})
