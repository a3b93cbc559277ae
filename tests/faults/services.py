"""Stopping and starting the machine's PostgreSQL, Redis and RabbitMQ, with the commands `.ci/run`
uses (README, "The services"), waiting (with a deadline) until each is down or answers again.

RabbitMQ is asked whether it runs through epmd (its Erlang node registered or not) and whether
it answers through an AMQP connection, not with `rabbitmq-diagnostics ping`: each ping starts an
Erlang VM (0.6 s of CPU, 3.8 to 7.3 s at a load of 7 to 12), so a wait made of pings saw the
node up or down seconds late and took CPU from the node it waited for."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import aio_pika
from aiormq.exceptions import AMQPError

from tests.conftest import AMQP_URL
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
RABBIT_NODE = "rabbit"
"""The machine's node (`rabbit@<host>`), as epmd lists it; a test's own node has another name."""


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


async def _rabbitmq_node_runs() -> bool:
    """Whether epmd lists the machine's RabbitMQ node (an Erlang VM that has not exited)."""
    listed = await asyncio.to_thread(
        subprocess.run, ["epmd", "-names"], capture_output=True, text=True, timeout=30
    )
    return f"name {RABBIT_NODE} at port" in listed.stdout


async def _rabbitmq_answers() -> bool:
    """Whether RabbitMQ takes an AMQP connection (its listener opens once the node is booted)."""
    try:
        connection = await aio_pika.connect(AMQP_URL, timeout=5)
    except (OSError, AMQPError, TimeoutError):
        return False
    await connection.close()
    return True


async def stop_rabbitmq() -> None:
    await _run("rabbitmqctl", "stop")
    await eventually(
        _rabbitmq_node_runs,
        lambda runs: not runs,
        within=START_DEADLINE_SECONDS,
        what="RabbitMQ stopping",
    )


async def start_rabbitmq() -> None:
    if not await _rabbitmq_node_runs():
        await _run("rabbitmq-server", "-detached")
    await eventually(
        _rabbitmq_answers, bool, within=START_DEADLINE_SECONDS, what="RabbitMQ answering"
    )
