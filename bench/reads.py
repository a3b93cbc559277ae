"""`python -m bench.reads [--quick]`: the read path, ours against the raw baseline, and the memory
of our API process under that load.

Cases: (a) `orders(first: 50)` of the 20 loyal customers (100 orders each), nested down to
products, payment, delivery and its events; (b) `order(id)` with the same and its history, over
200 orders each read by its owner; (c) `products(first: 50)`, no token. Before any load, each
case's first request goes to both servers and the two `data` must be equal.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.dataset import ensure_dataset, loyal_members
from bench.environment import bearer
from bench.load import LoadPlan, LoadResult, Request, Target, measure, send_once
from bench.processes import Server, api_servers
from bench.queries import ORDER_DETAIL, ORDERS_PAGE, PRODUCTS_PAGE, ours_and_raw
from bench.raw_ids import global_id
from bench.report import compare_loads, heading, ratio, say, verdict
from bench.services import SCRATCH, connect, forget_cached, prepare_database

PAGE = 50
DETAIL_ORDERS = 200
NESTED_ORDERS_TARGET = 0.10
"""Issue #4: nested orders at 10 % of the raw baseline's throughput or more."""
GROWTH_TOLERANCE_KIB = 2048
"""RSS that may come and go between runs (allocator, caches) before we call it growth."""
TIME_LIMIT_SECONDS = 900


class DifferentData(AssertionError):
    pass


@dataclass
class ReadCase:
    key: str
    name: str
    ours: list[Request] = field(default_factory=list)
    raw: list[Request] = field(default_factory=list)

    def add(self, pair: tuple[Request, Request]) -> None:
        self.ours.append(pair[0])
        self.raw.append(pair[1])


@dataclass
class CaseResult:
    case: ReadCase
    ours: LoadResult
    raw: LoadResult
    rss_kib: list[int]
    """Our API's RSS after each run."""


async def _read_cases() -> list[ReadCase]:
    orders = ReadCase("orders", f"orders(first: {PAGE}) nested")
    for member, name in loyal_members():
        orders.add(ours_and_raw("/orders", ORDERS_PAGE, {"first": PAGE}, bearer(member, name)))
    detail = ReadCase("order", "order(id) detail + history")
    async with connect() as conn:
        sample = await conn.fetch(
            "SELECT o.id, o.member_id, m.name FROM orders o JOIN member m ON m.id = o.member_id"
            " WHERE o.member_id NOT LIKE $1 ORDER BY o.id LIMIT $2",
            f"{SCRATCH}%",
            DETAIL_ORDERS,
        )
    for row in sample:
        variables = {"id": global_id("Order", row["id"])}
        owner = bearer(row["member_id"], row["name"])
        detail.add(ours_and_raw("/order", ORDER_DETAIL, variables, owner))
    products = ReadCase("products", f"products(first: {PAGE})")
    products.add(ours_and_raw("/products", PRODUCTS_PAGE, {"first": PAGE}, None))
    return [orders, detail, products]


async def check_same_data(case: ReadCase, ours: Server, raw: Server) -> None:
    mine = await send_once(ours.url, case.ours[0])
    theirs = await send_once(raw.url, case.raw[0])
    if "errors" in mine or not mine["data"]:
        raise DifferentData(f"{case.name}: our API answered {mine}")
    canonical = [orjson.dumps(body["data"], option=orjson.OPT_SORT_KEYS) for body in (mine, theirs)]
    if canonical[0] != canonical[1]:
        raise DifferentData(
            f"{case.name}: ours and raw differ\nours: {canonical[0][:600]!r}\n"
            f"raw:  {canonical[1][:600]!r}"
        )


async def _measure_case(
    case: ReadCase, ours: Server, raw: Server, plan: LoadPlan, work_dir: Path
) -> CaseResult:
    targets = [
        Target.of("ours", ours.url, case.ours, work_dir / f"{case.key}-ours.requests"),
        Target.of("raw", raw.url, case.raw, work_dir / f"{case.key}-raw.requests"),
    ]
    rss: list[int] = []

    def after_run(target: Target) -> None:
        if target.name == "ours":
            rss.append(ours.child.memory_kib("VmRSS"))

    measured = await measure(targets, plan, after_run)
    return CaseResult(case, measured.median("ours"), measured.median("raw"), rss)


def _report_case(result: CaseResult) -> None:
    say(result.case.name)
    target = NESTED_ORDERS_TARGET if result.case.key == "orders" else None
    compare_loads(result.ours, result.raw, target)


def _report_memory(results: Sequence[CaseResult], ours_peak: int, raw_peak: int) -> None:
    heading("memory of the API process (one uvicorn worker) under the read load")
    mib = 1024
    say(
        f"peak RSS (VmHWM): ours {ours_peak / mib:.1f} MiB, raw {raw_peak / mib:.1f} MiB, "
        f"ours/raw {ratio(ours_peak, raw_peak):.2f}"
    )
    growth = 0
    for result in results:
        after = " ".join(f"{kib / mib:.1f}" for kib in result.rss_kib)
        say(f"ours RSS after each run, {result.case.name}: {after} MiB")
        growth = max(growth, result.rss_kib[-1] - result.rss_kib[0])
    say(
        f"largest growth from a case's first run to its last: {growth / mib:+.1f} MiB "
        f"{verdict(growth / mib, GROWTH_TOLERANCE_KIB / mib, at_most=True)}"
    )


async def bench_reads(plan: LoadPlan) -> None:
    await prepare_database()
    async with connect() as conn:
        await ensure_dataset(conn)
    await forget_cached()
    cases = await _read_cases()
    async with AsyncExitStack() as stack:
        work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-reads-")))
        ours, raw = await stack.enter_async_context(api_servers(work_dir))
        for case in cases:
            await check_same_data(case, ours, raw)
        heading(f"reads: {plan.describe()}")
        say("same data from ours and raw: " + ", ".join(case.name for case in cases))
        results = []
        for case in cases:
            result = await _measure_case(case, ours, raw, plan, work_dir)
            _report_case(result)
            results.append(result)
        ours_peak, raw_peak = ours.child.memory_kib("VmHWM"), raw.child.memory_kib("VmHWM")
    _report_memory(results, ours_peak, raw_peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="runs of 2 s, to check the bench")
    plan = LoadPlan.of(quick=parser.parse_args().quick)
    asyncio.run(asyncio.wait_for(bench_reads(plan), TIME_LIMIT_SECONDS))


if __name__ == "__main__":
    main()
