"""/healthz latency while clients send documents that are costly to validate (issue #11).

Starts `main.py serve` on the embedded default (SQLite in a temporary folder, in-memory cache and
bus: no server needed) on a free port, measures /healthz alone, then again while `--clients`
clients each send, one after the other, the issue's document: one field 290 times without an
alias, its argument changed on every request so that no cache helps. Prints the latency of
/healthz (p50, p99, max) in both phases and what the flood got back.

    .venv/bin/python -m bench.validation_flood [--clients 4] [--seconds 20]

Run it on two checkouts to compare them; the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.environment import ROOT
from bench.report import say

PROBE_EVERY_SECONDS = 0.05
READY_WITHIN_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def flood_document(argument: int) -> str:
    return "{ " + " ".join([f"me {{ orders(first: {argument}) {{ totalCount }} }}"] * 290) + " }"


async def _probe(client: httpx.AsyncClient, until: float) -> list[float]:
    """/healthz latencies in ms, one probe every PROBE_EVERY_SECONDS (a pace, not a wait)."""
    latencies: list[float] = []
    while time.monotonic() < until:
        started = time.perf_counter()
        response = await client.get("/healthz")
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        await asyncio.sleep(PROBE_EVERY_SECONDS)
    return latencies


async def _flood(
    client: httpx.AsyncClient, first: int, until: float, outcomes: Counter[str]
) -> None:
    argument = first
    while time.monotonic() < until:
        response = await client.post("/graphql", json={"query": flood_document(argument)})
        argument += 1000
        if response.status_code != 200:
            outcomes[f"HTTP {response.status_code}"] += 1
            continue
        errors = response.json().get("errors") or []
        code = (errors[0].get("extensions") or {}).get("code", "invalid") if errors else "ran"
        outcomes[str(code)] += 1


def _summary(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name}: {len(ordered)} probes, p50 {statistics.median(ordered):.1f} ms, "
        f"p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"
    )


async def _wait_until_ready(client: httpx.AsyncClient, process: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while True:
        if process.returncode is not None:
            raise SystemExit(f"main.py serve exited with {process.returncode}")
        try:
            await client.get("/healthz")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise SystemExit("main.py serve did not answer within 60 s") from None
            await asyncio.sleep(0.1)


async def main(clients: int, seconds: float) -> None:
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERS_")}
        env |= {
            "ORDERS_DATABASE_URL": f"sqlite:///{Path(folder) / 'orders.db'}",
            "ORDERS_PORT": str(port),
            "ORDERS_LOG_FORMAT": "text",
        }
        with (Path(folder) / "serve.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "main.py", "serve", cwd=ROOT, env=env, stdout=log, stderr=log
            )
        try:
            limits = httpx.Limits(max_connections=clients + 2)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
            ) as client:
                await _wait_until_ready(client, process)
                alone = await _probe(client, time.monotonic() + 5)
                outcomes: Counter[str] = Counter()
                until = time.monotonic() + seconds
                probing = asyncio.create_task(_probe(client, until))
                await asyncio.gather(
                    *(_flood(client, n + 1, until, outcomes) for n in range(clients))
                )
                flooded = await probing
        finally:
            process.terminate()
            await process.wait()
    say(_summary("/healthz alone", alone))
    say(_summary(f"/healthz beside {clients} flooding clients", flooded))
    say(f"the flood's answers: {dict(outcomes)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.clients, arguments.seconds))
