"""Where the machine's CPU went during a run: seconds of CPU per component, read from /proc
before and after (our processes by pid; HAProxy, PostgreSQL, Redis and RabbitMQ by process
name, so every backend of the shared PostgreSQL counts, whoever it serves), wrk from what this
process's finished children used, and `others`: what the rest of the machine (other people's
runs) took."""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
BY_NAME = {
    "haproxy": "haproxy",
    "postgres": "postgresql",
    "redis-server": "redis",
    "beam.smp": "rabbitmq",
}


def _process_seconds(stat: str) -> tuple[str, float]:
    """(name, user + system CPU seconds) of one /proc/<pid>/stat line."""
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) / TICKS


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle (all cores)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks[:8]) - idle) / TICKS


@dataclass(frozen=True)
class Snapshot:
    seconds: Mapping[str, float]


def snapshot(ours: Mapping[str, int]) -> Snapshot:
    """CPU seconds so far of each of `ours` (name -> pid), of each component by process
    name, and of the machine as a whole (`machine`)."""
    seconds: dict[str, float] = {}
    pids = {pid: name for name, pid in ours.items()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, used = _process_seconds((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        pid = int(entry.name)
        if pid in pids:
            seconds[pids[pid]] = seconds.get(pids[pid], 0.0) + used
        elif name in BY_NAME:
            seconds[BY_NAME[name]] = seconds.get(BY_NAME[name], 0.0) + used
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds["wrk"] = children.ru_utime + children.ru_stime  # the load runs, once reaped
    seconds["machine"] = _machine_busy_seconds()
    return Snapshot(seconds)


def cores_used(before: Snapshot, after: Snapshot, wall_seconds: float) -> dict[str, float]:
    """Cores each component kept busy on average between two snapshots, and `others`."""
    used = {
        name: (after.seconds.get(name, 0.0) - before.seconds.get(name, 0.0)) / wall_seconds
        for name in after.seconds
    }
    used["others"] = used["machine"] - sum(v for k, v in used.items() if k != "machine")
    return used
