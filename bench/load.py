"""HTTP load from a separate process: wrk, one thread, 16 connections, a warm-up, then runs of a
fixed duration, ours and the baseline taking turns so that other work on the machine weighs on
both alike. Each figure is the median of the runs."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx
import orjson

CONNECTIONS = 16
SCRIPT = Path(__file__).with_name("requests.lua")
RESULT_PREFIX = "bench-result "
FAILURE_PREFIX = "bench-failure "
MAX_FAILED_SHARE = 0.01
"""More failed answers than this, and the figures mean nothing: the bench stops. Fewer are
reported beside the figures, with the first one."""


class LoadFailed(Exception):
    """wrk failed, or requests got no answer, or too many answers were errors."""


@dataclass(frozen=True)
class Request:
    path: str
    authorization: str | None
    body: bytes


def _write_requests(path: Path, requests: Iterable[Request]) -> None:
    """The file `requests.lua` reads: path, Authorization and body, tab-separated."""
    with path.open("wb") as out:
        for request in requests:
            head = f"{request.path}\t{request.authorization or ''}\t".encode()
            out.write(head + request.body + b"\n")


async def send_once(url: str, request: Request) -> Any:
    """One request as wrk sends it; the decoded JSON answer."""
    headers = {"Content-Type": "application/json"}
    if request.authorization:
        headers["Authorization"] = request.authorization
    async with httpx.AsyncClient() as client:
        response = await client.post(url + request.path, content=request.body, headers=headers)
    response.raise_for_status()
    return orjson.loads(response.content)


@dataclass(frozen=True)
class LoadPlan:
    QUICK: ClassVar[str] = "runs of 2 s, to check the bench"

    warm_up_seconds: int
    run_seconds: int
    runs: int

    @classmethod
    def of(cls, quick: bool) -> LoadPlan:
        return cls(warm_up_seconds=1, run_seconds=2, runs=3) if quick else cls(3, 10, 3)

    def describe(self) -> str:
        return (
            f"{CONNECTIONS} connections, {self.runs} runs of {self.run_seconds} s after a "
            f"{self.warm_up_seconds} s warm-up, median of the runs"
        )


@dataclass(frozen=True)
class LoadResult:
    requests: int
    """Requests answered (in all the runs, for a median)."""
    rate: float
    """Requests answered per second."""
    p50_ms: float
    p99_ms: float
    failed: int = 0
    """Answers with an HTTP error status or a non-empty `errors` list."""
    first_failure: str | None = None
    run_rates: tuple[float, ...] = ()
    """For a median: each run's requests per second, in the order they ran."""

    @staticmethod
    def median(results: Sequence[LoadResult]) -> LoadResult:
        failures = [r.first_failure for r in results if r.first_failure]
        return LoadResult(
            requests=sum(r.requests for r in results),
            rate=statistics.median(r.rate for r in results),
            p50_ms=statistics.median(r.p50_ms for r in results),
            p99_ms=statistics.median(r.p99_ms for r in results),
            failed=sum(r.failed for r in results),
            first_failure=failures[0] if failures else None,
            run_rates=tuple(r.rate for r in results),
        )

    def describe(self) -> str:
        line = f"{self.rate:8.1f} req/s  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms"
        if len(self.run_rates) > 1:
            line += f"  (runs {min(self.run_rates):.1f} to {max(self.run_rates):.1f} req/s)"
        return line


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    requests_file: Path

    @classmethod
    def of(cls, name: str, url: str, requests: Iterable[Request], requests_file: Path) -> Target:
        """A target whose requests are written to `requests_file` first."""
        _write_requests(requests_file, requests)
        return cls(name, url, requests_file)


@dataclass
class Measured:
    warm_up: dict[str, LoadResult] = field(default_factory=dict)
    runs: dict[str, list[LoadResult]] = field(default_factory=dict)

    def median(self, name: str) -> LoadResult:
        return LoadResult.median(self.runs[name])

    def succeeded(self, name: str) -> int:
        """Requests answered without an error, warm-up included."""
        return sum(r.requests - r.failed for r in [self.warm_up[name], *self.runs[name]])


async def load(target: Target, seconds: int) -> LoadResult:
    process = await asyncio.create_subprocess_exec(
        "wrk",
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        target.url,
        "--",
        str(target.requests_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds + 60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise LoadFailed(f"wrk against {target.name} did not finish") from None
    printed = dict(_printed(out.decode()))
    if process.returncode != 0 or RESULT_PREFIX not in printed:
        raise LoadFailed(f"wrk against {target.name} failed: {err.decode()}{out.decode()}")
    found = orjson.loads(printed[RESULT_PREFIX])
    failure = printed.get(FAILURE_PREFIX)
    if found["socket_errors"] or found["failed"] > found["requests"] * MAX_FAILED_SHARE:
        raise LoadFailed(
            f"{target.name}: {found['socket_errors']} socket errors, {found['failed']} failed"
            f" answers in {found['requests']} requests; the first: {failure}"
        )
    return LoadResult(
        requests=found["requests"],
        rate=found["requests"] / (found["duration_us"] / 1e6),
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        failed=found["failed"],
        first_failure=failure,
    )


def _printed(output: str) -> Iterable[tuple[str, str]]:
    """(prefix, rest) of the lines `requests.lua` printed."""
    for line in output.splitlines():
        for prefix in (RESULT_PREFIX, FAILURE_PREFIX):
            if line.startswith(prefix):
                yield prefix, line.removeprefix(prefix)


async def measure(
    targets: Sequence[Target],
    plan: LoadPlan,
    after_run: Callable[[Target], None] = lambda _: None,
) -> Measured:
    """Warm each target up, then `plan.runs` rounds in which each target takes its turn."""
    measured = Measured()
    for target in targets:
        measured.warm_up[target.name] = await load(target, plan.warm_up_seconds)
        measured.runs[target.name] = []
    for _ in range(plan.runs):
        for target in targets:
            measured.runs[target.name].append(await load(target, plan.run_seconds))
            after_run(target)
    return measured
