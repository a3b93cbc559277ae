"""Stopping and starting the machine's PostgreSQL, Redis and RabbitMQ, with the commands `.ci/run`
uses (README, "The services"), waiting (with a deadline) until each is down or answers again."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tests.support.waiting import eventually

START_DEADLINE_SECONDS = 120


def _postgres_cluster() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return versions[-1]


async def _run(*command: str) -> bool:
    done = await asyncio.to_thread(
        subprocess.run, list(command), capture_output=True, timeout=START_DEADLINE_SECONDS
    )
    return done.returncode == 0


async def _until(probe: tuple[str, ...], up: bool, what: str) -> None:
    async def answers() -> bool:
        return await _run(*probe)

    await eventually(answers, lambda ok: ok is up, within=START_DEADLINE_SECONDS, what=what)


POSTGRES_PING = ("pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q")
REDIS_PING = ("redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping")
RABBIT_PING = ("rabbitmq-diagnostics", "-q", "ping")


async def stop_postgresql() -> None:
    await _run("pg_ctlcluster", "--skip-systemctl-redirect", _postgres_cluster(), "main", "stop")
    await _until(POSTGRES_PING, False, "PostgreSQL stopping")


async def start_postgresql() -> None:
    await _run("pg_ctlcluster", "--skip-systemctl-redirect", _postgres_cluster(), "main", "start")
    await _until(POSTGRES_PING, True, "PostgreSQL answering")


async def stop_redis() -> None:
    await _run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave")
    await _until(REDIS_PING, False, "Redis stopping")


async def start_redis() -> None:
    if not await _run(*REDIS_PING):
        await _run(
            "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
            "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
            "--logfile", "/var/log/redis/ci.log",
        )  # fmt: skip
    await _until(REDIS_PING, True, "Redis answering")


async def stop_rabbitmq() -> None:
    await _run("rabbitmqctl", "stop")
    await _until(RABBIT_PING, False, "RabbitMQ stopping")


async def start_rabbitmq() -> None:
    if not await _run(*RABBIT_PING):
        await _run("rabbitmq-server", "-detached")
    await _until(RABBIT_PING, True, "RabbitMQ answering")
