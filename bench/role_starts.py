"""CPU a role's process spends from its start until it is ready: a worker, relay or carrier until
it logs "running:", the API until /healthz answers, `dlq list` until it exits. Every process
`make test` or a deployment starts pays it (docs/BENCHMARKS.md). With `--against PATH`, another
checkout of the repository (its own `.venv`, or this one's Python), both trees start each role
in turns, the order swapped every round: the median and the spread of each.

Each role runs as the cluster runs it (`cluster/supervisor.py`): JSON logs, a shared metrics
directory, a health port for the background roles, a pool of two connections; on the bench's
database, cache prefix and broker names (`bench/environment.py`). Each start holds a shared lock
on `SERVICES_LOCK`, which the fault tests hold alone while they restart RabbitMQ: a start waits
for the broker to be back rather than fail.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from bench.environment import ROOT, child_environment
from bench.processes import READY_WITHIN_SECONDS, STOP_WITHIN_SECONDS, free_port
from bench.report import heading, say
from bench.services import prepare_database

ROLES: dict[str, tuple[str, ...]] = {
    "worker": ("worker", "stock"),
    "relay": ("relay",),
    "carrier": ("carrier",),
    "serve": ("serve",),
    "dlq": ("dlq", "list"),
}
POLL_SECONDS = 0.05
SERVICES_LOCK = Path("/tmp/orders-services.lock")
TICKS = os.sysconf("SC_CLK_TCK")


class RoleFailed(Exception):
    """A role exited or never became ready; the message ends with its log."""


def _seconds_so_far(pid: int) -> float:
    """User and system CPU seconds of a running process, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _ready(role: str, log: Path, port: int) -> bool:
    if role != "serve":
        return b"running:" in log.read_bytes()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _environment(role: str, port: int, work: Path) -> dict[str, str]:
    env = child_environment() | {
        "ORDERS_LOG_FORMAT": "json",
        "ORDERS_METRICS_DIR": str(work / "metrics"),
        "ORDERS_DATABASE_POOL_SIZE": "2",
    }
    if role == "serve":
        env |= {"ORDERS_PORT": str(port), "ORDERS_WORKERS": "1"}
    elif role != "dlq":
        env["ORDERS_HEALTH_PORT"] = str(port)
    return env


def start_once(tree: Path, role: str, work: Path) -> float:
    """CPU seconds `role` of `tree` took until it was ready; it is stopped afterwards."""
    SERVICES_LOCK.touch(exist_ok=True)
    with SERVICES_LOCK.open("r") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_SH)
        return _start_and_stop(tree, role, work)


def _start_and_stop(tree: Path, role: str, work: Path) -> float:
    python = tree / ".venv" / "bin" / "python"
    port = free_port()
    log = work / f"{role}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(python if python.exists() else sys.executable), "main.py", *ROLES[role]],
            cwd=tree,
            env=_environment(role, port, work),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        if role == "dlq":
            before = _children_seconds()
            if process.wait(READY_WITHIN_SECONDS) != 0:
                raise RoleFailed(f"{role} exited with {process.returncode}:\n{log.read_text()}")
            return _children_seconds() - before
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while not _ready(role, log, port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RoleFailed(f"{role} did not become ready:\n{log.read_text()}")
            time.sleep(POLL_SECONDS)
        return _seconds_so_far(process.pid)
    finally:
        process.terminate()  # nothing to do once it exited
        try:
            process.wait(STOP_WITHIN_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _spread(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.2f} s ({min(seconds):.2f} to {max(seconds):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--roles", default=",".join(ROLES), help="of: " + ", ".join(ROLES))
    parser.add_argument("--against", type=Path, help="another checkout, started in turns")
    args = parser.parse_args()
    roles = args.roles.split(",")
    trees = {"this": ROOT} | ({"other": args.against.resolve()} if args.against else {})
    asyncio.run(prepare_database())
    seconds: dict[tuple[str, str], list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="role-starts-") as work:
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for role in roles:
                for name in order:
                    seconds[role, name].append(start_once(trees[name], role, Path(work)))
            say(f"round {round_ + 1} of {args.rounds} done, load {os.getloadavg()[0]:.1f}")
    heading("CPU until ready, median (lowest to highest)")
    for name, tree in trees.items():
        say(f"{name}: {tree}")
    for role in roles:
        line = "   ".join(f"{name} {_spread(seconds[role, name])}" for name in trees)
        if args.against:
            this, other = (statistics.median(seconds[role, name]) for name in trees)
            line += f"   this/other {this / other:.2f}"
        say(f"{role:8} {line}")


if __name__ == "__main__":
    main()
