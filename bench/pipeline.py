"""`python -m bench.pipeline [--quick]`: orders carried from placed to PREPARING on RabbitMQ, by
our `main.py relay` + `main.py worker all` processes, against `bench.raw_pipeline`.

Both are fed alike, straight into the database with the transaction of `bench.raw_orders` (order,
lines, history, `order.placed` outbox row, NOTIFY), the same orders in the same sequence:
- a burst: 2,000 orders placed at once by 8 connections. Orders/s is how many reached PREPARING
  divided by the time from the first placed to the last PREPARING; their latencies are mostly
  the wait in the queue.
- a paced run: 100 orders at 10 a second, well below either capacity: the latency of the hops
  themselves, placed -> PREPARING, read from the order's history timestamps.
The carrier is not started; scratch orders and both topologies are removed at the end.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from uuid import UUID

from bench.command_line import run_bench
from bench.dataset import DATASET, prepared_dataset
from bench.environment import AMQP_URL
from bench.processes import Child, child, role
from bench.queries import SHIPPING_ADDRESS
from bench.raw_orders import place_order
from bench.raw_pipeline import BINDINGS, EVENTS, queue_name
from bench.report import heading, ratio, say, verdict
from bench.services import (
    add_scratch_members,
    connect,
    delete_our_topology,
    forget_cached,
    forget_scratch_orders,
)
from cluster.resources import delete_queues_and_exchanges

FEEDING_CONNECTIONS = 8
CUSTOMERS = 16
ORDERS_PER_SECOND_TARGET = 0.25
"""Issue #4: our pipeline carries 25 % of the minimal script's orders/s or more …"""
P50_TARGET = 3.0
"""… and its p50 latency is within 3 times the minimal script's."""
TIME_LIMIT_SECONDS = 1500


class PipelineStalled(AssertionError):
    pass


@dataclass(frozen=True)
class PipelinePlan:
    QUICK: ClassVar[str] = "200 + 20 orders, to check the bench"

    burst: int
    paced: int
    paced_rate: float
    settle_within: float

    @classmethod
    def of(cls, quick: bool) -> PipelinePlan:
        if quick:
            return cls(burst=200, paced=20, paced_rate=10, settle_within=120)
        return cls(burst=2_000, paced=100, paced_rate=10, settle_within=600)


@dataclass(frozen=True)
class Carried:
    orders: int
    prepared: int
    rate: float
    """Orders that reached PREPARING per second, from the first placed to the last PREPARING."""
    p50_ms: float
    p99_ms: float

    def describe(self) -> str:
        return (
            f"{self.rate:7.1f} orders/s  p50 {self.p50_ms:8.1f} ms  p99 {self.p99_ms:8.1f} ms"
            f"  ({self.prepared} of {self.orders} PREPARING)"
        )


@dataclass(frozen=True)
class SideResult:
    burst: Carried
    paced: Carried


def _order_lines(count: int) -> list[list[tuple[int, int]]]:
    """The same orders for ours and raw: 3 random books, one of each."""
    rng = random.Random(count)
    return [
        [(book, 1) for book in rng.sample(range(1, DATASET.books + 1), 3)] for _ in range(count)
    ]


async def _place_burst(customers: Sequence[str], orders: list[list[tuple[int, int]]]) -> list[UUID]:
    pending = list(enumerate(orders))
    placed: list[UUID] = []

    async def feed() -> None:
        async with connect() as conn:
            while pending:
                number, lines = pending.pop()
                order = await place_order(
                    conn, customers[number % len(customers)], lines, SHIPPING_ADDRESS
                )
                placed.append(order.id)

    await asyncio.gather(*(feed() for _ in range(FEEDING_CONNECTIONS)))
    return placed


async def _place_paced(
    customers: Sequence[str], orders: list[list[tuple[int, int]]], rate: float
) -> list[UUID]:
    placed: list[UUID] = []
    started = time.monotonic()
    async with connect() as conn:
        for number, lines in enumerate(orders):
            await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))
            order = await place_order(
                conn, customers[number % len(customers)], lines, SHIPPING_ADDRESS
            )
            placed.append(order.id)
    return placed


async def _wait_until_settled(ids: list[UUID], within: float, children: Sequence[Child]) -> None:
    """Until every order is PREPARING (or CANCELLED, which should not happen)."""
    deadline = time.monotonic() + within
    async with connect() as conn:
        while True:
            settled: int = await conn.fetchval(
                "SELECT count(*) FROM orders WHERE id = ANY($1::uuid[])"
                " AND status IN ('PREPARING', 'CANCELLED')",
                ids,
            )
            if settled == len(ids):
                return
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {c.name}:\n{c.log_tail(10)}" for c in children)
                raise PipelineStalled(
                    f"{settled} of {len(ids)} orders settled in {within} s\n{logs}"
                )
            await asyncio.sleep(0.2)


async def _carried(ids: list[UUID]) -> Carried:
    async with connect() as conn:
        rows = await conn.fetch(
            "SELECT min(occurred_at) FILTER (WHERE status = 'PENDING') AS placed,"
            " min(occurred_at) FILTER (WHERE status = 'PREPARING') AS prepared"
            " FROM order_event WHERE order_id = ANY($1::uuid[]) GROUP BY order_id",
            ids,
        )
    done = [row for row in rows if row["prepared"] is not None]
    if not done:
        raise PipelineStalled(f"none of {len(ids)} orders reached PREPARING")
    latencies = [(row["prepared"] - row["placed"]).total_seconds() * 1000 for row in done]
    span = max(row["prepared"] for row in done) - min(row["placed"] for row in rows)
    return Carried(
        orders=len(ids),
        prepared=len(done),
        rate=len(done) / span.total_seconds(),
        p50_ms=statistics.median(latencies),
        p99_ms=statistics.quantiles(latencies, n=100)[98],
    )


@asynccontextmanager
async def our_pipeline(
    work_dir: Path, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[list[Child]]:
    """`main.py worker all` (it declares the queues), then `main.py relay`."""
    await delete_our_topology()
    try:
        async with (
            role("worker", ["worker", "all"], work_dir, extra_env) as worker,
            role("relay", ["relay"], work_dir, extra_env) as relay,
        ):
            yield [worker, relay]
    finally:
        await delete_our_topology()


@asynccontextmanager
async def raw_pipeline(work_dir: Path) -> AsyncIterator[list[Child]]:
    queues = [queue_name(consumer) for consumer in BINDINGS]
    await delete_queues_and_exchanges(AMQP_URL, queues, [EVENTS])
    try:
        async with child(
            "raw-pipeline", [sys.executable, "-m", "bench.raw_pipeline"], work_dir
        ) as running:
            await running.wait_for_log("running:")
            yield [running]
    finally:
        await delete_queues_and_exchanges(AMQP_URL, queues, [EVENTS])


async def _run_side(
    pipeline: Callable[[Path], AbstractAsyncContextManager[list[Child]]],
    plan: PipelinePlan,
    customers: Sequence[str],
    work_dir: Path,
) -> SideResult:
    async with connect() as conn:
        await forget_scratch_orders(conn)
    async with pipeline(work_dir) as children:
        burst = await _place_burst(customers, _order_lines(plan.burst))
        await _wait_until_settled(burst, plan.settle_within, children)
        paced = await _place_paced(customers, _order_lines(plan.paced), plan.paced_rate)
        await _wait_until_settled(paced, plan.settle_within, children)
    return SideResult(await _carried(burst), await _carried(paced))


def _report(plan: PipelinePlan, ours: SideResult, raw: SideResult) -> None:
    heading(
        "pipeline: placed -> PREPARING on RabbitMQ; ours: main.py relay + main.py worker all,"
        " raw: bench/raw_pipeline.py"
    )
    throughput = ratio(ours.burst.rate, raw.burst.rate)
    say(f"burst of {plan.burst} orders placed by {FEEDING_CONNECTIONS} connections at once")
    say(f"  ours {ours.burst.describe()}")
    say(f"  raw  {raw.burst.describe()}")
    say(f"  ours/raw orders/s {throughput:.3f} {verdict(throughput, ORDERS_PER_SECOND_TARGET)}")
    p50 = ratio(ours.paced.p50_ms, raw.paced.p50_ms)
    say(f"paced: {plan.paced} orders at {plan.paced_rate:.0f} a second")
    say(f"  ours {ours.paced.describe()}")
    say(f"  raw  {raw.paced.describe()}")
    say(
        f"  ours/raw p50 x{p50:.1f} {verdict(p50, P50_TARGET, at_most=True)}, "
        f"p99 x{ratio(ours.paced.p99_ms, raw.paced.p99_ms):.1f}"
    )


async def bench_pipeline(plan: PipelinePlan) -> None:
    await prepared_dataset()
    async with connect() as conn:
        customers = await add_scratch_members(conn, "pipeline", CUSTOMERS)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as work_dir:
        ours = await _run_side(our_pipeline, plan, customers, Path(work_dir))
        raw = await _run_side(raw_pipeline, plan, customers, Path(work_dir))
    async with connect() as conn:
        await forget_scratch_orders(conn)
    await forget_cached()
    _report(plan, ours, raw)


def main() -> None:
    run_bench(__doc__, bench_pipeline, PipelinePlan, TIME_LIMIT_SECONDS)


if __name__ == "__main__":
    main()
