"""Every role of the service as OS processes behind HAProxy, under a small supervisor that
restarts whatever dies (as systemd's `Restart=always` or a Kubernetes Deployment would).

The API processes serve on ports of their own behind the balancer; every other role serves
`/healthz`, `/readyz` and `/metrics` on a health port of its own. All of them share one metrics
directory, so `/metrics` through the balancer (or on any health port) is the cluster's total.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cluster import children
from cluster.balancer import OUT_OF_ROTATION_SECONDS, Balancer, Server
from cluster.environment import role_environment
from domain.messages import Consumer
from infrastructure.settings import Settings

ROOT = Path(__file__).parents[1]
READY_WITHIN_SECONDS = 90.0
STOP_WITHIN_SECONDS = 40.0
RESTART_BACK_OFF_SECONDS = 0.5
API_POOL_SIZE = 5
BACKGROUND_POOL_SIZE = 2
"""Database connections an API process and a worker, relay or carrier process keep (as many
again at a burst): eleven processes at the default ten and ten would ask more of PostgreSQL
than the 100 connections it allows by default, which every other run on the machine shares."""
API_DRAIN_SECONDS = OUT_OF_ROTATION_SECONDS * 2
"""An API process asked to stop stays in service this long, not ready, so that the balancer
has taken it out of rotation before it stops accepting."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Role:
    """One process of the cluster: what it runs (`api`, `payment`, `relay`), which replica of
    that it is (1, 2, ...), its command line and the port it answers health checks on (the API's
    own port, or a health port)."""

    kind: str
    replica: int
    args: tuple[str, ...]
    port: int

    @property
    def name(self) -> str:
        """`api-1`, `payment-2`: its log file's and the balancer's name for it."""
        return f"{self.kind}-{self.replica}"

    @property
    def is_api(self) -> bool:
        return self.args == ("serve",)


@dataclass(frozen=True)
class Topology:
    """How many of each: API processes, workers of each kind, relays, carrier clocks."""

    apis: int = 2
    workers: int = 2
    relays: int = 2
    carriers: int = 1
    consumers: tuple[Consumer, ...] = tuple(Consumer)

    def background(self) -> list[Role]:
        roles = [
            Role(consumer.value, n, ("worker", consumer.value), free_port())
            for consumer in self.consumers
            for n in range(1, self.workers + 1)
        ]
        roles += [Role("relay", n, ("relay",), free_port()) for n in range(1, self.relays + 1)]
        roles += [
            Role("carrier", n, ("carrier",), free_port()) for n in range(1, self.carriers + 1)
        ]
        return roles


def waves(roles: Sequence[Role]) -> list[list[Role]]:
    """`roles` by replica: every first replica, then every second, and so on."""
    replicas = sorted({role.replica for role in roles})
    return [[role for role in roles if role.replica == n] for n in replicas]


@dataclass
class Running:
    role: Role
    process: subprocess.Popen[bytes]


@dataclass
class Cluster:
    """Start with `start()`, stop with `stop()`; in between the supervisor restarts any process
    that exits, unless the cluster itself is stopping or restarting it."""

    settings: Settings
    workdir: Path
    port: int = field(default_factory=free_port)
    apis: int = 2
    running: dict[str, Running] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    exit_codes: dict[str, list[int]] = field(default_factory=dict)
    _held: set[str] = field(default_factory=set)
    _supervising: asyncio.Task[None] | None = None
    _balancer: Balancer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_dir(self) -> Path:
        return self.workdir / "metrics"

    @property
    def balancer(self) -> Balancer:
        assert self._balancer is not None, "start the cluster first"
        return self._balancer

    def api_url(self, name: str) -> str:
        """An API process's own address, past the balancer."""
        return f"http://127.0.0.1:{self.running[name].role.port}"

    def _environment(self, role: Role) -> dict[str, str]:
        extra = {
            "ORDERS_LOG_FORMAT": "json",  # one object a line, in one file per process
            "ORDERS_METRICS_DIR": str(self.metrics_dir),
            "ORDERS_CARRIER_WEBHOOK_URL": f"{self.url}/webhooks/carrier",
        }
        if role.is_api:
            extra |= {
                "ORDERS_HOST": "127.0.0.1",
                "ORDERS_PORT": str(role.port),
                "ORDERS_WORKERS": "1",
                "ORDERS_DRAIN_SECONDS": str(API_DRAIN_SECONDS),
                "ORDERS_TRUSTED_PROXIES": "127.0.0.1",
                "ORDERS_DATABASE_POOL_SIZE": str(API_POOL_SIZE),
            }
        else:
            extra["ORDERS_HEALTH_PORT"] = str(role.port)
            extra["ORDERS_DATABASE_POOL_SIZE"] = str(BACKGROUND_POOL_SIZE)
        return role_environment(self.settings, **extra)

    def _spawn(self, role: Role) -> None:
        process = children.start(
            [sys.executable, "main.py", *role.args],
            self.workdir / f"{role.name}.log",
            env=self._environment(role),
            cwd=ROOT,
        )
        self.running[role.name] = Running(role, process)

    async def start(self, topology: Topology | None = None) -> None:
        """The API processes and the balancer, then the background roles of `topology`
        (none when it is None), each once it answers ready."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.metrics_dir.mkdir(exist_ok=True)
        apis = [Role("api", n, ("serve",), free_port()) for n in range(1, self.apis + 1)]
        self._balancer = Balancer(self.port, [Server(r.name, r.port) for r in apis], self.workdir)
        self.balancer.start()
        await self.add(apis)
        await self.until_in_rotation([r.name for r in apis])
        if topology is not None:
            await self.add(topology.background())
        self._supervising = asyncio.create_task(self._supervise())

    async def add(self, roles: Sequence[Role]) -> None:
        for role in roles:
            self._spawn(role)
        await asyncio.gather(*(self.until_ready(role.name) for role in roles))

    async def until_ready(self, name: str) -> None:
        """Until the process answers 200 on /readyz (it fails loudly if it exited)."""
        running = self.running[name]
        url = f"http://127.0.0.1:{running.role.port}/readyz"
        deadline = asyncio.get_running_loop().time() + READY_WITHIN_SECONDS
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                if running.process.poll() is not None:
                    raise RuntimeError(f"{name} exited: {self.log_of(name)[-3000:]}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).status_code == 200:
                        return
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"{name} not ready: {self.log_of(name)[-3000:]}")
                await asyncio.sleep(0.1)

    async def until_in_rotation(self, names: Sequence[str], up: bool = True) -> None:
        """Until the balancer sees each of these servers UP (or, with `up=False`, not UP)."""
        deadline = asyncio.get_running_loop().time() + READY_WITHIN_SECONDS
        while True:
            states = await self.balancer.states()
            if all((states.get(n) == "UP") is up for n in names):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the balancer sees {states}, waiting for {names} up={up}")
            await asyncio.sleep(0.1)

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(RESTART_BACK_OFF_SECONDS)  # a supervisor's restart back-off
            for name, running in list(self.running.items()):
                code = running.process.poll()
                if code is not None and name not in self._held:
                    self.exit_codes.setdefault(name, []).append(code)
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self._spawn(running.role)

    def kill(self, name: str) -> None:
        """SIGKILL: the supervisor starts it again."""
        self.running[name].process.send_signal(signal.SIGKILL)

    async def terminate(self, name: str) -> int:
        """SIGTERM and wait for the graceful stop; its exit code. The supervisor leaves the
        process stopped until `resume`."""
        self._held.add(name)
        process = self.running[name].process
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.send_signal(signal.SIGCONT)  # a paused process goes on to its stop
            try:
                await asyncio.to_thread(process.wait, STOP_WITHIN_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait)
        code = process.returncode
        self.exit_codes.setdefault(name, []).append(code)
        return code

    def pause(self, names: Sequence[str]) -> None:
        """SIGSTOP: these processes do nothing, connections kept, until `unpause` (or
        `terminate`, which lets a paused process go on to its graceful stop). For pauses of
        seconds: a paused process sends no heartbeats, and the broker drops its connection
        after a minute without."""
        for name in names:
            self.running[name].process.send_signal(signal.SIGSTOP)

    def unpause(self, names: Sequence[str]) -> None:
        for name in names:
            self.running[name].process.send_signal(signal.SIGCONT)

    async def resume(self, name: str) -> None:
        """Start a stopped process again, and wait until it is ready (and, for an API
        process, back in the balancer's rotation)."""
        self._spawn(self.running[name].role)
        self._held.discard(name)
        await self.until_ready(name)
        if self.running[name].role.is_api:
            await self.until_in_rotation([name])

    async def restart(self, name: str) -> int:
        """A graceful restart of one process, as a deployment does to each replica in turn;
        the exit code of the process that stopped."""
        code = await self.terminate(name)
        await self.resume(name)
        return code

    async def retire(self, names: Sequence[str]) -> dict[str, int]:
        """Stop these processes gracefully, for good; the exit code of each."""
        codes = await asyncio.gather(*(self.terminate(name) for name in names))
        for name in names:
            del self.running[name]
            self._held.discard(name)
        return dict(zip(names, codes, strict=True))

    async def rolling_restart(self) -> dict[str, int]:
        """Every kind of process rolls at the same time, one replica at a time, as Kubernetes
        rolls each Deployment on its own: the first replica of every kind (and the carrier,
        which has only one) restarts together, each waited for until ready (an API process until
        it is back in the balancer's rotation), then the second of every kind, and so on. No
        kind with two replicas or more is ever without a running one. The exit code of each
        stop."""
        codes: dict[str, int] = {}
        for wave in waves([running.role for running in self.running.values()]):
            names = [role.name for role in wave]
            stopped = await asyncio.gather(*(self.restart(name) for name in names))
            codes |= dict(zip(names, stopped, strict=True))
        return codes

    def log_of(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(self.log_of(name) for name in self.running)

    def pids(self) -> dict[str, int]:
        pids = {name: running.process.pid for name, running in self.running.items()}
        if self._balancer is not None and self._balancer.pid is not None:
            pids["haproxy"] = self._balancer.pid
        return pids

    async def stop(self) -> None:
        """The balancer stops listening and finishes its connections; then every process
        gets SIGTERM at once and drains."""
        if self._supervising is not None:
            self._supervising.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervising
        if self._balancer is not None:
            await self._balancer.stop()
        await asyncio.gather(*(self.terminate(name) for name in list(self.running)))
