"""`main.py` as a person meets it: a start-up that cannot work says so in one line naming the
setting, before any work; `token` loads only what it needs; help writes flags as flags."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from cluster.environment import role_environment
from infrastructure.settings import Settings
from main import cli
from tests.support.processes import (
    ROOT,
    START_DEADLINE_SECONDS,
    RoleProcess,
    answers_http,
    free_port,
)
from tests.support.waiting import eventually


def _main(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`main.py ARGS` with only these ORDERS_* settings, stdout and stderr together."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    env |= {"ORDERS_PORT": str(free_port()), **settings}
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )


def _refused(done: subprocess.CompletedProcess[str], setting: str, exit_code: int) -> str:
    """The one line of a refused start-up, checked for its setting and exit code."""
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert "Traceback" not in done.stdout
    assert lines[0].startswith(f"{setting}: "), lines[0]
    assert done.returncode == exit_code, done.stdout
    return lines[0]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_an_unreachable_postgresql_is_one_line_before_any_work() -> None:
    closed = free_port()
    done = _main("run", ORDERS_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed}/orders")

    line = _refused(done, "ORDERS_DATABASE_URL", exit_code=1)
    assert f"127.0.0.1:{closed}" in line
    assert "connection refused" in line


@pytest.mark.parametrize("command", [["run"], ["worker", "stock"], ["relay"]])
def test_an_unreachable_rabbitmq_is_one_line_before_any_work(
    tmp_path: Path, command: list[str]
) -> None:
    database = tmp_path / "orders.db"
    done = _main(
        *command,
        ORDERS_DATABASE_URL=f"sqlite:///{database}",
        ORDERS_AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/",
    )

    assert "connection refused" in _refused(done, "ORDERS_AMQP_URL", exit_code=1)
    assert not database.exists()  # nothing migrated


def test_a_port_in_use_is_one_line_before_migrating_seeding_or_printing(
    tmp_path: Path, taken_port: int
) -> None:
    database = tmp_path / "orders.db"
    done = _main("run", ORDERS_DATABASE_URL=f"sqlite:///{database}", ORDERS_PORT=str(taken_port))

    assert f"127.0.0.1:{taken_port} is in use" in _refused(done, "ORDERS_PORT", exit_code=1)
    assert not database.exists()


def test_a_worker_health_port_in_use_is_one_line(tmp_path: Path, taken_port: int) -> None:
    done = _main(
        "worker",
        "all",
        ORDERS_DATABASE_URL=f"sqlite:///{tmp_path / 'orders.db'}",
        ORDERS_HEALTH_PORT=str(taken_port),
    )

    _refused(done, "ORDERS_HEALTH_PORT", exit_code=1)


@pytest.mark.parametrize("command", [["run"], ["migrate"], ["seed"]])
def test_a_sqlite_database_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "no" / "such" / "folder"
    done = _main(*command, ORDERS_DATABASE_URL=f"sqlite:///{folder / 'orders.db'}")

    assert str(folder) in _refused(done, "ORDERS_DATABASE_URL", exit_code=2)
    assert not (tmp_path / "no").exists()


# Loading any of these means the command pulled in the app, the database or a broker client.
THE_WHOLE_APP = {
    "api_app",
    "bootstrap",
    "schema",
    "resolvers",
    "strawberry",
    "graphql",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "asyncpg",
    "aio_pika",
    "redis",
    "rich",
}


def _imports_of(*args: str, **settings: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`main.py <args>` under `-X importtime`, with no ORDERS_ setting but `settings`: how it
    ended, and the top-level packages it imported."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "main.py", *args],
        cwd=ROOT,
        env=env | settings,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done, imported


def test_minting_a_token_loads_nothing_of_the_app() -> None:
    done, imported = _imports_of("token", "--member", "alice")

    assert done.returncode == 0, done.stderr
    assert "jwt" in imported  # the count is of this command's imports
    assert imported & THE_WHOLE_APP == set()
    assert done.stdout.count(".") == 2  # header.claims.signature


def test_probing_loads_nothing_of_the_app_nor_an_http_client() -> None:
    done, imported = _imports_of("probe", ORDERS_PORT=str(free_port()))

    assert done.returncode == 1  # nobody answers on that port
    assert "urllib" in imported  # the count is of this command's imports
    assert imported & (THE_WHOLE_APP | {"httpx", "click", "pygments"}) == set()


def _every_command(group: typer.Typer) -> list[list[str]]:
    paths: list[list[str]] = [[]]
    command = get_command(group)
    for name, sub in getattr(command, "commands", {}).items():
        paths.append([name])
        paths.extend([name, inner] for inner in getattr(sub, "commands", {}))
    return paths


@pytest.mark.parametrize("path", _every_command(cli), ids=lambda path: " ".join(path) or "main")
def test_help_writes_flags_without_a_value(path: list[str]) -> None:
    shown = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "120"})

    assert shown.exit_code == 0, shown.output
    assert "--help" in shown.output
    assert "<bool>" not in shown.output


async def test_serve_logs_the_requests_of_every_worker_process(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    api = RoleProcess(
        ["serve"], role_environment(settings, ORDERS_PORT=str(port), ORDERS_WORKERS="2"), log
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        await eventually(
            lambda: answers_http(url), bool, within=START_DEADLINE_SECONDS, what="the API"
        )
        printed = await eventually(
            lambda: asyncio.to_thread(log.read_text),
            lambda text: '"GET /healthz HTTP/1.1" 200' in text,
            what="the access log line",
        )
    finally:
        api.stop()

    [access, *_] = [line for line in printed.splitlines() if "GET /healthz" in line]
    assert re.match(r"\d\d:\d\d:\d\d INFO    uvicorn\.access  127\.0\.0\.1:\d+ - ", access), access
    assert "\x1b" not in printed
