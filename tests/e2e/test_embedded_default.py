"""`main.py run` on the embedded default: SQLite, in-memory cache, no server installed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parents[2]
START_DEADLINE_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")} | {
        "ORDERS_DATABASE_URL": f"sqlite:///{tmp_path / 'orders.db'}",
        "ORDERS_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "main.py", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the embedded server did not start"
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_make_run_serves_the_seeded_catalogue_with_no_server_installed(
    embedded_server: str,
) -> None:
    query = '{ products(first: 5, search: "한강") { totalCount edges { node { title author } } } }'
    response = httpx.post(f"{embedded_server}/graphql", json={"query": query}, timeout=10)

    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["products"]["totalCount"] >= 2
    assert {e["node"]["author"] for e in body["data"]["products"]["edges"]} == {"한강"}
    graphiql = httpx.get(f"{embedded_server}/graphql", headers={"Accept": "text/html"}, timeout=5)
    assert "graphiql" in graphiql.text.lower()
