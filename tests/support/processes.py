"""Roles of the service as real OS processes (`main.py worker …`), for crash tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from cluster.environment import role_environment
from cluster.supervisor import Cluster
from infrastructure.settings import Settings
from tests.support.waiting import eventually

ROOT = Path(__file__).parents[2]

START_DEADLINE_SECONDS = 180
"""How long a process the tests start has to come up (a failure limit, never a wait a passing
test sits through). A start is 5 to 8 s of CPU, its imports, more under coverage; with the
tiers on two test workers on a loaded 2-core machine, `main.py run` took more than 60 s."""


class RoleProcess:
    def __init__(self, args: list[str], env: dict[str, str], log: Path, niceness: int = 0) -> None:
        self.log_path = log
        self._log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "main.py", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if niceness:
            os.setpriority(os.PRIO_PROCESS, self.process.pid, niceness)

    async def wait_for_output(self, text: str, within: float = START_DEADLINE_SECONDS) -> None:
        """Until the process has printed `text` (a role prints "running: …" once it runs)."""
        await eventually(
            lambda: asyncio.to_thread(self.log_path.read_text, errors="replace"),
            lambda output: text in output or self.process.poll() is not None,
            within=within,
            what=f"{text!r} in {self.log_path.name}",
        )
        assert self.process.poll() is None, self.log_path.read_text(errors="replace")

    def wait_for_exit(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self) -> int:
        """SIGTERM (a graceful stop), SIGKILL if it does not end within 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


async def answers_http(url: str) -> bool:
    """Whether a server listens at `url` and answers HTTP (with any status)."""
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            await client.get(url, headers={"Accept": "text/html"})
    except httpx.TransportError:
        return False
    return True


async def start_api(
    settings: Settings, log: Path, *, niceness: int = 0, extra: Mapping[str, str] | None = None
) -> tuple[RoleProcess, str]:
    """`main.py serve` on a free port (at a lower priority with `niceness`), with `extra`
    settings (`ORDERS_…`) over `settings`; the process and its base URL, once it answers."""
    port = free_port()
    env = role_environment(settings, ORDERS_PORT=str(port), **(extra or {}))
    process = RoleProcess(["serve"], env, log, niceness)
    url = f"http://127.0.0.1:{port}"
    await eventually(
        lambda: answers_http(f"{url}/healthz"), bool, within=START_DEADLINE_SECONDS, what="the API"
    )
    return process, url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def errors_logged_by_the_api(cluster: Cluster) -> Iterator[Callable[[], list[str]]]:
    """The ERROR lines the cluster's API processes log meanwhile (what `caplog` shows of an
    app in the test's own process): a function that reads them."""
    apis = [name for name, running in cluster.running.items() if running.role.is_api]
    logs = {name: cluster.workdir / f"{name}.log" for name in apis}
    sizes = {name: path.stat().st_size if path.exists() else 0 for name, path in logs.items()}

    def logged() -> list[str]:
        found = []
        for name, path in logs.items():
            with path.open("rb") as log:
                log.seek(sizes[name])
                found += [
                    f"{name}: {line}"
                    for line in log.read().decode(errors="replace").splitlines()
                    if '"level": "ERROR"' in line or line.startswith("Traceback")
                ]
        return found

    yield logged
