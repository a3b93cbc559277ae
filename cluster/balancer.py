"""HAProxy in front of the API processes: Debian's package, one configuration written per run.

What the configuration does, and why:
- health checks `GET /readyz` every half second; two failures take a server out, two passes
  bring it back. A check waits up to 3 s for its answer, so that a server slow under load is
  not taken for a dead one (which would leave the other alone with all the load). An API
  process that was asked to stop answers 503 there while it serves on
  (`ORDERS_DRAIN_SECONDS`), so it leaves the rotation before it stops accepting.
- when every server fails its checks, the balancer still tries them (each is listed again as a
  backup without checks) rather than answering 503 itself: under a load that saturates the
  machine a check may time out on every server at once, and a slow service must not become a
  refused one. A server that is really down refuses the connection, and that is retried.
- a request whose connection to a server fails is sent to the other one (`retries`,
  `option redispatch`; HAProxy retries only failed connections by default, never a request a
  server may have started: a `placeOrder` without an idempotency key must not run twice).
- WebSockets (the subscriptions) pass through; `timeout tunnel` lets them stay open an hour.
- `X-Forwarded-For` is set to the client's address, replacing whatever the client sent: the
  balancer is the edge, and the API trusts the header only from it (`ORDERS_TRUSTED_PROXIES`).
- every request gets an `X-Request-Id` (a UUID without dashes) unless it brought one; the API
  echoes it and carries it into the order's messages, and HAProxy logs it beside each request.
- an admin socket, for the state of each server as the balancer sees it.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cluster import children

BACKEND = "api"
CHECK_INTERVAL_MS = 500
FALL = 2
RISE = 2
CHECK_TIMEOUT_SECONDS = 3
"""A check may wait this long for its answer: a server busy with requests answers late but is
no less alive (one that stops answers 503 at once, and a dead one refuses the connection)."""
OUT_OF_ROTATION_SECONDS = CHECK_INTERVAL_MS * FALL / 1000
"""How long the balancer takes, at most, to stop sending requests to a server that fails."""


class BalancerMissing(Exception):
    """HAProxy is not installed."""


@dataclass(frozen=True)
class Server:
    name: str
    port: int


LOG_FORMAT = (
    "%ci [%tr] %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %{+Q}r request_id=%[capture.req.hdr(0)]"
)
"""One line per request: client, time, server, timings, status, bytes, request line, its id."""


def configuration(port: int, servers: Sequence[Server], admin_socket: Path) -> str:
    lines = f"""\
global
    log stdout format raw local0
    stats socket {admin_socket} mode 600 level admin
    maxconn 4096
    hard-stop-after 10s

defaults
    mode http
    log global
    option dontlognull
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    retries 3
    option redispatch

frontend shop
    bind 127.0.0.1:{port}
    unique-id-format %[uuid(4),regsub(-,,g)]
    http-request set-header X-Request-Id %[unique-id] unless {{ req.hdr(x-request-id) -m found }}
    http-request set-header X-Forwarded-For %[src]
    http-request capture req.hdr(x-request-id) len 64
    log-format "{LOG_FORMAT}"
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    timeout check {CHECK_TIMEOUT_SECONDS}s
    default-server inter {CHECK_INTERVAL_MS}ms fall {FALL} rise {RISE}
"""
    for server in servers:
        lines += f"    server {server.name} 127.0.0.1:{server.port} check\n"
    for server in servers:
        lines += f"    server {server.name}-unchecked 127.0.0.1:{server.port} backup\n"
    return lines


def haproxy() -> str:
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if found is None:
        raise BalancerMissing(
            "HAProxy is not installed: `apt-get install haproxy` (Debian's package) first"
        )
    return found


class Balancer:
    """HAProxy in the foreground, logging to a file, stopped with the cluster."""

    def __init__(self, port: int, servers: Sequence[Server], workdir: Path) -> None:
        self.port = port
        self.admin_socket = workdir / "haproxy.sock"
        self.config_path = workdir / "haproxy.cfg"
        self.log_path = workdir / "haproxy.log"
        self.config_path.write_text(configuration(port, servers, self.admin_socket))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [haproxy(), "-db", "-f", str(self.config_path)]
        checked = subprocess.run(
            [*command, "-c"], capture_output=True, text=True, timeout=30, check=False
        )
        if checked.returncode != 0:
            raise RuntimeError(f"HAProxy refused its configuration:\n{checked.stdout}")
        self._process = children.start(command, self.log_path)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def states(self) -> dict[str, str]:
        """Each checked server's status as the balancer sees it (UP, DOWN, …); empty until it
        answers."""
        try:
            reader, writer = await asyncio.open_unix_connection(str(self.admin_socket))
        except OSError:
            return {}
        try:
            writer.write(b"show stat\n")
            await writer.drain()
            answer = (await reader.read()).decode()
        finally:
            writer.close()
        rows = csv.DictReader(io.StringIO(answer.lstrip("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row.get("pxname") == BACKEND
            and row["svname"] not in ("FRONTEND", "BACKEND")
            and row.get("bck") != "1"  # the unchecked fallbacks
        }

    async def stop(self) -> None:
        """Soft stop (SIGUSR1): stop listening, let the connections in hand finish."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGUSR1)
        try:
            await asyncio.to_thread(process.wait, 15)  # hard-stop-after closes the sockets
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
