"""`make run` in a fresh copy of the repository: it installs what running needs, none of the
dev tools, and that is enough to migrate, seed and serve the shop on the embedded default."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.support.processes import ROOT, answers_http, free_port
from tests.support.waiting import eventually

UV = ROOT / ".tools" / "bin" / "uv"  # `make` installed it before the tests ran


def _copy_of_the_repository(target: Path) -> None:
    """What a clone holds: the tracked files (and new ones not ignored), as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.fixture
async def make_run(tmp_path: Path) -> AsyncIterator[tuple[Path, str]]:
    """`make run` in a fresh copy, its folder and base URL once it answers; SIGINT after."""
    clone = tmp_path / "clone"
    _copy_of_the_repository(clone)
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ORDERS_", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"))
    }
    env["ORDERS_PORT"] = str(port)
    log = (tmp_path / "make-run.log").open("wb")
    process = _start(["make", "run", f"UV={UV}"], clone, env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        await eventually(
            lambda: answers_http(f"{url}/healthz"),
            lambda up: up or process.poll() is not None,
            within=300,
            what="make run serving",
        )
        assert process.poll() is None, (tmp_path / "make-run.log").read_text()
        yield clone, url
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _start(
    command: list[str], cwd: Path, env: dict[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """In a session of its own, so that SIGINT reaches make and the server it started."""
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _installed(python: Path) -> set[str]:
    """The distributions in `python`'s environment."""
    listed = subprocess.run(
        [
            python,
            "-c",
            "import json, importlib.metadata as m;"
            "print(json.dumps([d.metadata['Name'].lower() for d in m.distributions()]))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(listed.stdout))


def _dev_group() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {name.split("[")[0].lower() for name in project["dependency-groups"]["dev"]}


async def test_make_run_installs_only_what_running_needs_and_serves(
    make_run: tuple[Path, str],
) -> None:
    clone, url = make_run
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(
            f"{url}/graphql", json={"query": "{ products(first: 1) { totalCount } }"}
        )
    assert answer.json()["data"]["products"]["totalCount"] == 295
    assert (clone / "var" / "orders.db").exists()  # the default database, in its own folder

    names = await asyncio.to_thread(_installed, clone / ".venv" / "bin" / "python")
    assert "uvicorn" in names
    assert names & _dev_group() == set()
