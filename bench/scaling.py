"""`python -m bench.scaling [--quick] [--part api|pipeline]`: what a second process of each role
buys on this machine (issue #15), and where the CPU goes.

- API: (a) `orders(first: 50)` nested and `placeOrder` through HAProxy (`cluster/balancer.py`,
  the same configuration as `make cluster`), once in front of one API process and once in
  front of two; wrk as in the other benches, the two set-ups taking turns run after run. The
  figure is two processes' req/s over one's, median of the runs, with the lowest and highest.
- Pipeline: a burst of orders written straight to the database (as `bench.pipeline` does),
  carried to PREPARING by one relay and one worker of each kind, then by two of each, taking
  turns round after round.
Beside each run: the cores each component kept busy (bench/cpu.py), to say where the next
bottleneck is. Everything runs on the bench's own database and names (bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.cpu import cores_used, snapshot
from bench.dataset import loyal_members, prepared_dataset
from bench.environment import bearer
from bench.load import LoadPlan, LoadResult, Request, Target, load
from bench.pipeline import _carried, _order_lines, _place_burst, _wait_until_settled
from bench.processes import OUR_API, Child, Server, role, server
from bench.queries import ORDERS_PAGE, ours_and_raw
from bench.report import heading, say, verdict
from bench.services import (
    add_scratch_members,
    connect,
    delete_our_topology,
    forget_cached,
    forget_scratch_orders,
)
from bench.writes import place_order_requests
from cluster.balancer import Balancer
from cluster.balancer import Server as Backend
from cluster.supervisor import free_port

API_TARGET = 1.6
"""Issue #15: two API processes serve 1.6 times one's throughput or more, on two cores …"""
PIPELINE_TARGET = 1.3
"""… and two of each pipeline process carry 1.3 times one of each."""
PAGE = 50
CUSTOMERS = 16
ONE, TWO = "one process", "two processes"
COMPONENTS = ("api-a", "api-b", "haproxy", "wrk", "postgresql", "redis", "others", "machine")
PIPELINE_COMPONENTS = ("relay", "stock", "payment", "delivery", "postgresql", "rabbitmq", "others")
TIME_LIMIT_SECONDS = 2400
QUICK_API_PLAN = LoadPlan(warm_up_seconds=2, run_seconds=5, runs=3)
"""Longer than the other benches' quick runs: a nested page may take a second on a busy day."""


@dataclass
class Runs:
    """The runs of one set-up: their results and the cores each component used in each."""

    rates: list[float] = field(default_factory=list)
    results: list[LoadResult] = field(default_factory=list)
    cores: list[dict[str, float]] = field(default_factory=list)

    def median_cores(self, component: str) -> float:
        return statistics.median(c.get(component, 0.0) for c in self.cores)

    def spread(self) -> str:
        return (
            f"median {statistics.median(self.rates):8.1f}  "
            f"(runs {', '.join(f'{r:.1f}' for r in self.rates)})"
        )


def _growth(one: Runs, two: Runs) -> tuple[float, float, float]:
    """Median of two/one over the rounds (each round's pair ran minutes apart at most), and
    its lowest and highest."""
    ratios = [b / a if a else float("nan") for a, b in zip(one.rates, two.rates, strict=True)]
    return statistics.median(ratios), min(ratios), max(ratios)


def _report_cores(runs: dict[str, Runs], components: Sequence[str]) -> None:
    for name, measured in runs.items():
        used = ", ".join(
            f"{component} {measured.median_cores(component):.2f}" for component in components
        )
        say(f"    cores busy, {name}: {used}")


@asynccontextmanager
async def balanced(name: str, servers: Sequence[Server], work_dir: Path) -> AsyncIterator[Balancer]:
    directory = work_dir / name
    directory.mkdir()
    backends = [Backend(f"api-{i}", int(s.url.rsplit(":", 1)[1])) for i, s in enumerate(servers)]
    balancer = Balancer(free_port(), backends, directory)
    balancer.start()
    try:
        deadline = time.monotonic() + 60
        while set((await balancer.states()).values()) != {"UP"}:
            if time.monotonic() > deadline:
                raise RuntimeError(f"HAProxy {name} never saw its servers up")
            await asyncio.sleep(0.1)
        yield balancer
    finally:
        await balancer.stop()


async def _measure_api_case(
    case: str, requests: list[Request], urls: dict[str, str], pids: dict[str, int], plan: LoadPlan
) -> dict[str, Runs]:
    work = Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    targets = [Target.of(name, url, requests, work / f"{case}-{i}") for i, (name, url) in
               enumerate(urls.items())]  # fmt: skip
    for target in targets:
        await load(target, plan.warm_up_seconds)
    runs = {target.name: Runs() for target in targets}
    for _ in range(plan.runs):
        for target in targets:
            before, started = snapshot(pids), time.monotonic()
            result = await load(target, plan.run_seconds)
            after = snapshot(pids)
            runs[target.name].results.append(result)
            runs[target.name].rates.append(result.rate)
            runs[target.name].cores.append(cores_used(before, after, time.monotonic() - started))
    return runs


def _report_api_case(name: str, runs: dict[str, Runs]) -> None:
    say(name)
    for setup, measured in runs.items():
        failed = sum(r.failed for r in measured.results)
        say(f"  {setup:14} req/s {measured.spread()}" + (f"  {failed} errors" if failed else ""))
    growth, low, high = _growth(runs[ONE], runs[TWO])
    say(f"  two/one {growth:.2f} (rounds {low:.2f} to {high:.2f}) {verdict(growth, API_TARGET)}")
    _report_cores(runs, COMPONENTS)


async def bench_api(plan: LoadPlan) -> None:
    async with connect() as conn:
        customers = await add_scratch_members(conn, "scaling", CUSTOMERS)
    orders = [
        ours_and_raw("/orders", ORDERS_PAGE, {"first": PAGE}, bearer(member, name))[0]
        for member, name in loyal_members()
    ]
    writes = place_order_requests("/graphql", customers, seed=15)
    async with AsyncExitStack() as stack:
        work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-api-")))
        first = await stack.enter_async_context(server("api-a", OUR_API, work_dir))
        second = await stack.enter_async_context(server("api-b", OUR_API, work_dir))
        alone = await stack.enter_async_context(balanced("one", [first], work_dir))
        both = await stack.enter_async_context(balanced("two", [first, second], work_dir))
        urls = {ONE: f"http://127.0.0.1:{alone.port}", TWO: f"http://127.0.0.1:{both.port}"}
        pids = {"api-a": first.child.process.pid, "api-b": second.child.process.pid}
        heading(f"API through HAProxy, one process against two: {plan.describe()}")
        for case, requests in ((f"orders(first: {PAGE}) nested", orders), ("placeOrder", writes)):
            _report_api_case(case, await _measure_api_case(case, requests, urls, pids, plan))
    async with connect() as conn:
        await forget_scratch_orders(conn)


@asynccontextmanager
async def pipeline_of(replicas: int, work_dir: Path) -> AsyncIterator[list[Child]]:
    """`replicas` relays and `replicas` workers of each kind, each its own process."""
    await delete_our_topology()
    try:
        async with AsyncExitStack() as stack:
            children = [
                await stack.enter_async_context(role(f"{kind}-{n}-of-{replicas}", args, work_dir))
                for n in range(replicas)
                for kind, args in (
                    ("stock", ["worker", "stock"]),
                    ("payment", ["worker", "payment"]),
                    ("delivery", ["worker", "delivery"]),
                    ("relay", ["relay"]),
                )
            ]
            yield children
    finally:
        await delete_our_topology()


async def _carry_burst(
    replicas: int, orders: int, customers: Sequence[str], work: Path
) -> tuple[float, dict[str, float]]:
    async with connect() as conn:
        await forget_scratch_orders(conn)
    async with pipeline_of(replicas, work) as children:
        pids = {c.name: c.process.pid for c in children}
        before, started = snapshot(pids), time.monotonic()
        placed = await _place_burst(customers, _order_lines(orders))
        await _wait_until_settled(placed, 600, children)
        after, elapsed = snapshot(pids), time.monotonic() - started
    carried = await _carried(placed)
    used = cores_used(before, after, elapsed)
    by_kind: dict[str, float] = {}
    for name, cores in used.items():
        kind = name.split("-")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + cores
    return carried.rate, by_kind


async def bench_pipeline_scaling(quick: bool) -> None:
    orders, rounds = (300, 2) if quick else (1500, 3)
    async with connect() as conn:
        customers = await add_scratch_members(conn, "scaling-pipeline", CUSTOMERS)
    runs = {ONE: Runs(), TWO: Runs()}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-scaling-") as work_dir:
        for _ in range(rounds):
            for name, replicas in ((ONE, 1), (TWO, 2)):
                rate, cores = await _carry_burst(replicas, orders, customers, Path(work_dir))
                runs[name].rates.append(rate)
                runs[name].cores.append(cores)
    async with connect() as conn:
        await forget_scratch_orders(conn)
    heading(
        f"pipeline, placed -> PREPARING: one relay and one worker of each kind against two of"
        f" each; bursts of {orders} orders, {rounds} rounds"
    )
    say(f"  one of each    orders/s {runs[ONE].spread()}")
    say(f"  two of each    orders/s {runs[TWO].spread()}")
    growth, low, high = _growth(runs[ONE], runs[TWO])
    target = verdict(growth, PIPELINE_TARGET)
    say(f"  two/one {growth:.2f} (rounds {low:.2f} to {high:.2f}) {target}")
    _report_cores(runs, (*PIPELINE_COMPONENTS, "machine"))


async def bench_scaling(part: str | None, quick: bool) -> None:
    await prepared_dataset()
    await forget_cached()
    if part in (None, "api"):
        # quick runs are longer than the other benches': a nested page may take a second
        await bench_api(
            LoadPlan(warm_up_seconds=2, run_seconds=5, runs=3)
            if quick
            else LoadPlan.of(quick=False)
        )
    if part in (None, "pipeline"):
        await bench_pipeline_scaling(quick)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, to check the bench")
    parser.add_argument("--part", choices=["api", "pipeline"], help="one part only")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(bench_scaling(args.part, args.quick), TIME_LIMIT_SECONDS))


if __name__ == "__main__":
    main()
