"""The service as separate OS processes (API, relay, three workers) under a small supervisor
that restarts whatever dies, as systemd or Kubernetes would."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

from cluster.environment import role_environment
from infrastructure.settings import Settings
from tests.support.processes import RoleProcess, answers_http, free_port
from tests.support.waiting import eventually

ROLES: dict[str, list[str]] = {
    "relay": ["relay"],
    "stock": ["worker", "stock"],
    "payment": ["worker", "payment"],
    "delivery": ["worker", "delivery"],
}
RESTART_DELAY_SECONDS = 0.5


class Cluster:
    def __init__(self, settings: Settings, workdir: Path) -> None:
        self._settings = settings
        self._workdir = workdir
        self._role_env: dict[str, dict[str, str]] = {}
        self.port = free_port()
        self.processes: dict[str, RoleProcess] = {}
        self.kills: dict[str, int] = {}
        self.restarts: dict[str, int] = {}
        self._supervising: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, name: str) -> RoleProcess:
        env = role_environment(self._settings, **self._role_env.get(name, {}))
        if name == "api":
            env["ORDERS_PORT"] = str(self.port)
            args = ["serve"]
        else:
            args = ROLES[name]
        return RoleProcess(args, env, self._workdir / f"{name}.log")

    async def start(self) -> None:
        """Every role running and the API answering; a start that fails stops what it began,
        so that no process outlives the test."""
        self.processes["api"] = self._spawn("api")
        for name in ROLES:
            self.processes[name] = self._spawn(name)
        try:
            for name in ROLES:
                await self.processes[name].wait_for_output("running:")
            await eventually(
                lambda: answers_http(f"{self.url}/healthz"),
                bool,
                within=60,
                what="the API answering",
            )
        except BaseException:
            await self.stop()
            raise
        self._supervising = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        while True:
            await asyncio.sleep(RESTART_DELAY_SECONDS)  # a supervisor's restart back-off
            for name, process in list(self.processes.items()):
                if process.process.poll() is not None:
                    process.stop()
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self.processes[name] = self._spawn(name)

    async def restart_with(self, name: str, **env: str) -> None:
        """Replace a role's process by one with these extra settings (or none)."""
        self._role_env[name] = env
        await asyncio.to_thread(self.processes[name].stop)
        self.processes[name] = self._spawn(name)

    def kill(self, name: str) -> None:
        self.processes[name].process.send_signal(signal.SIGKILL)
        self.kills[name] = self.kills.get(name, 0) + 1

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self._workdir.glob("*.log"))
        )

    async def stop(self) -> None:
        if self._supervising is not None:
            self._supervising.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervising
        await asyncio.gather(
            *(asyncio.to_thread(p.stop) for p in self.processes.values()),
            return_exceptions=True,
        )
