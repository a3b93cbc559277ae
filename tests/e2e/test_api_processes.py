"""`main.py serve` as it runs behind a load balancer: metrics that add up over its worker
processes, client addresses taken from X-Forwarded-For only when a trusted proxy sent it, and a
SIGTERM that first leaves the balancer's rotation, then stops."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import websockets

from bootstrap import Services
from cluster.environment import role_environment
from infrastructure.settings import Settings
from tests.support.factories import create_product
from tests.support.processes import ROOT, free_port, start_api
from tests.support.waiting import eventually

COUNTED = "query Counted { products(first: 1) { totalCount } }"
SHELF = "{ products(first: 10) { edges { node { id } } } }"


async def _post(url: str, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """On a connection of its own, so that every request may reach another worker process."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return await client.post("/graphql", json={"query": query}, headers=headers or {})


def _counted(metrics: str) -> float:
    found = re.search(r'orders_api_request_seconds_count\{operation="Counted"\} (\S+)', metrics)
    return float(found[1]) if found else 0.0


async def test_metrics_add_up_over_the_worker_processes_of_one_server(
    settings: Settings, tmp_path: Path
) -> None:
    api, url = await start_api(settings, tmp_path / "api.log", extra={"ORDERS_WORKERS": "2"})
    try:
        for _ in range(20):
            assert (await _post(url, COUNTED)).status_code == 200
        scrapes = []
        for _ in range(10):
            async with httpx.AsyncClient(timeout=10) as client:
                scrapes.append(_counted((await client.get(f"{url}/metrics")).text))
    finally:
        api.stop()

    assert scrapes == [20.0] * 10


async def _throttled_after_exhausting(url: str, headers: dict[str, str]) -> int:
    """Requests until this client is refused (429); how many were served."""
    for served in range(30):
        if (await _post(url, SHELF, headers)).status_code == 429:
            return served
    raise AssertionError("never throttled")


async def test_forwarded_addresses_count_only_from_trusted_proxies(
    settings: Settings, services: Services, tmp_path: Path
) -> None:
    for _ in range(10):  # a shelf of 10 books costs what it asked for: 21 points a request
        await create_product(services.engine)
    tight = {"ORDERS_RATE_LIMIT_POINTS": "60", "ORDERS_RATE_LIMIT_RESTORE": "0.01"}
    behind, behind_url = await start_api(
        settings, tmp_path / "behind.log", extra={"ORDERS_TRUSTED_PROXIES": "127.0.0.1", **tight}
    )
    exposed, exposed_url = await start_api(
        settings, tmp_path / "exposed.log", extra={"ORDERS_TRUSTED_PROXIES": "10.1.2.3/32", **tight}
    )
    first = {"X-Forwarded-For": "203.0.113.7"}
    second = {"X-Forwarded-For": "198.51.100.9"}
    try:
        await _throttled_after_exhausting(behind_url, first)
        another_client = await _post(behind_url, SHELF, second)
        await _throttled_after_exhausting(exposed_url, first)
        forged = await _post(exposed_url, SHELF, second)
    finally:
        behind.stop()
        exposed.stop()

    # behind a trusted proxy, each forwarded client has a bucket of its own
    assert another_client.status_code == 200
    # a header from an address that is no trusted proxy is ignored: same address, same bucket
    assert forged.status_code == 429


async def test_sigterm_leaves_the_rotation_serves_on_then_closes_sockets_with_1012(
    settings: Settings, tmp_path: Path
) -> None:
    api, url = await start_api(settings, tmp_path / "api.log", extra={"ORDERS_DRAIN_SECONDS": "3"})
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"

        api.process.send_signal(signal.SIGTERM)

        async def readiness() -> int:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(f"{url}/readyz")).status_code

        assert await eventually(readiness, lambda code: code == 503, within=5) == 503
        still_served = await _post(url, COUNTED)
        closed = None
        try:
            await asyncio.wait_for(socket.recv(), 30)
        except websockets.ConnectionClosed as exc:
            closed = exc
    exit_code = await asyncio.to_thread(api.wait_for_exit, 30)

    assert still_served.status_code == 200
    assert closed is not None
    assert closed.rcvd is not None
    assert closed.rcvd.code == 1012  # service restart: reconnect
    assert exit_code in (0, -signal.SIGTERM)


def _probe(settings: Settings, port: int, *flags: str) -> int:
    environment = role_environment(settings, ORDERS_PORT=str(port))
    done = subprocess.run(
        [sys.executable, "main.py", "probe", *flags],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode


async def test_probe_answers_for_the_container_healthcheck(
    settings: Settings, tmp_path: Path
) -> None:
    api, url = await start_api(settings, tmp_path / "api.log")
    port = int(url.rsplit(":", 1)[1])
    try:
        alive = await asyncio.to_thread(_probe, settings, port)
        ready = await asyncio.to_thread(_probe, settings, port, "--ready")
    finally:
        api.stop()
    nobody = await asyncio.to_thread(_probe, settings, free_port())

    assert (alive, ready, nobody) == (0, 0, 1)
