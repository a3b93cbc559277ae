"""`main.py run` as a real process on the embedded default, as a newcomer starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.processes import ROOT, START_DEADLINE_SECONDS, free_port


@contextmanager
def embedded_run(workdir: Path, *, python: str = sys.executable, **settings: str) -> Iterator[str]:
    """The base URL of `main.py run` (by `python`) with SQLite under `workdir`; stopped with
    SIGINT after. What it printed is in `workdir / "run.log"`."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    env |= {
        "ORDERS_DATABASE_URL": f"sqlite:///{workdir / 'orders.db'}",
        "ORDERS_PORT": str(port),
        **settings,
    }
    log = (workdir / "run.log").open("wb")
    process = subprocess.Popen(
        [python, "main.py", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while True:
            assert process.poll() is None, (workdir / "run.log").read_text()
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the embedded server did not start"
                time.sleep(0.1)  # polling for the server to listen, within the deadline
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
