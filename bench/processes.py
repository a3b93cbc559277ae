"""The processes a benchmark starts: API servers, pipeline roles, baselines. Each one logs to a
file of its own, is waited for until it is ready, and is stopped (SIGTERM, then SIGKILL) however
the benchmark ends."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from bench.environment import ROOT, child_environment

OUR_API = "api_app:app_from_environment"
RAW_API = "bench.raw_app:create_raw_app"
READY_WITHIN_SECONDS = 60.0
STOP_WITHIN_SECONDS = 30.0


class ChildFailed(Exception):
    """A process the bench started died or never became ready; the message ends with its log."""


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def failed(self, what: str) -> ChildFailed:
        return ChildFailed(f"{self.name} {what}; its log ends:\n{self.log_tail()}")

    def memory_kib(self, field: str) -> int:
        """A `/proc/<pid>/status` figure in KiB: VmRSS (now) or VmHWM (peak)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)

    async def wait_for_log(self, text: str) -> None:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while text not in self.log_path.read_text(errors="replace"):
            if self.process.returncode is not None:
                raise self.failed(f"exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise self.failed(f"did not print {text!r} within {READY_WITHIN_SECONDS:.0f} s")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_WITHIN_SECONDS)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def _log_file(path: Path) -> BinaryIO:
    return path.open("wb")


@asynccontextmanager
async def child(
    name: str, args: Sequence[str], log_dir: Path, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[Child]:
    """`args` run from the repository root with the bench's environment (and `extra_env`),
    stopped on exit."""
    log_path = log_dir / f"{name}.log"
    env = {**child_environment(), **(extra_env or {})}
    with _log_file(log_path) as log:
        process = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
    running = Child(name, process, log_path)
    try:
        yield running
    finally:
        await running.stop()


@asynccontextmanager
async def role(
    name: str, args: Sequence[str], log_dir: Path, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[Child]:
    """A background role of `main.py` (relay, worker …), once it says it is running."""
    async with child(name, [sys.executable, "main.py", *args], log_dir, extra_env) as running:
        await running.wait_for_log("running:")
        yield running


@dataclass
class Server:
    child: Child
    url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def server(
    name: str, factory: str, log_dir: Path, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[Server]:
    """`ORDERS_WORKERS` (default 1) uvicorn workers serving the app `factory` builds, on a free
    loopback port; ours and the raw baseline alike."""
    port = free_port()
    uvicorn = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1"]
    args = [*uvicorn, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    args += ["--workers", os.environ.get("ORDERS_WORKERS", "1")]
    async with child(name, args, log_dir, extra_env) as running:
        url = f"http://127.0.0.1:{port}"
        await wait_until_answering(running, url)
        yield Server(running, url)


async def wait_until_answering(running: Child, url: str) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    async with httpx.AsyncClient() as client:
        while True:
            try:
                await client.get(url)
            except httpx.TransportError:
                if running.process.returncode is not None:
                    raise running.failed(f"exited with {running.process.returncode}") from None
                if time.monotonic() > deadline:
                    raise running.failed("did not answer HTTP") from None
                await asyncio.sleep(0.1)
            else:
                return


@asynccontextmanager
async def api_servers(log_dir: Path) -> AsyncIterator[tuple[Server, Server]]:
    """Our API and the raw baseline, served alike."""
    async with server("ours", OUR_API, log_dir) as ours, server("raw", RAW_API, log_dir) as raw:
        yield ours, raw
