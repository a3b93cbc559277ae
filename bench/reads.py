"""`python -m bench.reads [--quick]`: the read path, ours against the raw baseline and against
PostGraphile, and the memory of our API process under that load.

Cases: (a) `orders(first: 50)` of the 20 loyal customers (100 orders each), nested down to
products, payment, delivery and its events; (b) `order(id)` with the same and its history, over
200 orders each read by its owner; (c) `products(first: 50)`, no token. Before any load, each
case's first request goes to the three servers: the raw baseline's `data` must equal ours, and
PostGraphile's must hold the same orders, lines, payments, events and history (or books).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench import postgraphile_queries as peer_queries
from bench.command_line import run_bench
from bench.dataset import loyal_members, prepared_dataset
from bench.environment import bearer
from bench.load import LoadFailed, LoadPlan, LoadResult, Request, Target, measure, send_once
from bench.postgraphile_peer import ensure_postgraphile, open_pool, postgraphile_server, versions
from bench.processes import Server, api_servers
from bench.queries import ORDER_DETAIL, ORDERS_PAGE, PRODUCTS_PAGE, ours_and_raw
from bench.raw_ids import global_id
from bench.report import compare_loads, heading, ratio, say, verdict
from bench.services import SCRATCH, connect, forget_cached

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
    postgraphile: list[Request] = field(default_factory=list)

    def add(self, pair: tuple[Request, Request], postgraphile: Request) -> None:
        self.ours.append(pair[0])
        self.raw.append(pair[1])
        self.postgraphile.append(postgraphile)

    def targets(self, servers: Mapping[str, Server], work_dir: Path, label: str) -> list[Target]:
        """A load target for each server (by name: ours, raw, postgraphile), on its requests of
        this case, in the order given: the order they take their turns in."""
        requests = {"ours": self.ours, "raw": self.raw, "postgraphile": self.postgraphile}
        return [
            Target.of(
                name, server.url, requests[name], work_dir / f"{label}-{self.key}-{name}.requests"
            )
            for name, server in servers.items()
        ]


@dataclass(frozen=True)
class Servers:
    ours: Server
    raw: Server
    postgraphile: Server

    def log_tails(self) -> str:
        """The end of each server's log, for a run that failed: why its answers were errors."""
        servers = (self.ours, self.raw, self.postgraphile)
        return "\n".join(f"{s.child.name}'s log ends:\n{s.child.log_tail(15)}" for s in servers)

    def peak_rss_kib(self) -> dict[str, int]:
        """Each server process's peak RSS (VmHWM) so far."""
        return {
            name: server.child.memory_kib("VmHWM")
            for name, server in (
                ("ours", self.ours),
                ("raw", self.raw),
                ("PostGraphile", self.postgraphile),
            )
        }


@dataclass
class CaseResult:
    case: ReadCase
    ours: LoadResult
    raw: LoadResult
    postgraphile: LoadResult
    rss_kib: list[int]
    """Our API's RSS after each run."""


async def read_cases() -> list[ReadCase]:
    orders = ReadCase("orders", f"orders(first: {PAGE}) nested")
    for member, name in loyal_members():
        orders.add(
            ours_and_raw("/orders", ORDERS_PAGE, {"first": PAGE}, bearer(member, name)),
            peer_queries.orders_page(member, PAGE),
        )
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
        detail.add(
            ours_and_raw("/order", ORDER_DETAIL, variables, owner),
            peer_queries.order_detail(str(row["id"]), row["member_id"]),
        )
    products = ReadCase("products", f"products(first: {PAGE})")
    products.add(
        ours_and_raw("/products", PRODUCTS_PAGE, {"first": PAGE}, None),
        peer_queries.products_page(PAGE),
    )
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


async def check_same_tree(case: ReadCase, ours: Server, postgraphile: Server) -> None:
    """PostGraphile's answer holds the same orders, lines, payments, events and history (or the
    same books) as ours, in the same order."""
    mine = await send_once(ours.url, case.ours[0])
    theirs = await send_once(postgraphile.url, case.postgraphile[0])
    if "errors" in theirs or not theirs.get("data"):
        raise DifferentData(f"{case.name}: PostGraphile answered {str(theirs)[:600]}")
    difference = peer_queries.first_difference(
        peer_queries.ours_as_tree(mine["data"]), peer_queries.theirs_as_tree(theirs["data"])
    )
    if difference is not None:
        raise DifferentData(f"{case.name}: ours and PostGraphile differ at {difference}")


@asynccontextmanager
async def postgraphile_beside(
    cases: Sequence[ReadCase], ours: Server, work_dir: Path
) -> AsyncIterator[Server]:
    """PostGraphile installed if need be and served; its answer to each case's first request
    checked against ours (`check_same_tree`), and its pool opened (`open_pool`) before any load.
    Stopped when the block ends, and its connections closed with it."""
    await ensure_postgraphile()
    async with postgraphile_server(work_dir) as postgraphile:
        for case in cases:
            await check_same_tree(case, ours, postgraphile)
        await open_pool(postgraphile, cases[0].postgraphile[0])
        yield postgraphile


async def measure_case(
    case: ReadCase, servers: Servers, plan: LoadPlan, work_dir: Path
) -> CaseResult:
    ours = servers.ours
    named = {"ours": ours, "raw": servers.raw, "postgraphile": servers.postgraphile}
    targets = case.targets(named, work_dir, "reads")
    rss: list[int] = []

    def after_run(target: Target) -> None:
        if target.name == "ours":
            rss.append(ours.child.memory_kib("VmRSS"))

    try:
        measured = await measure(targets, plan, after_run)
    except LoadFailed as exc:
        raise LoadFailed(f"{case.name}: {exc}\n{servers.log_tails()}") from None
    return CaseResult(
        case,
        measured.median("ours"),
        measured.median("raw"),
        measured.median("postgraphile"),
        rss,
    )


def _report_case(result: CaseResult) -> None:
    say(result.case.name)
    target = NESTED_ORDERS_TARGET if result.case.key == "orders" else None
    compare_loads(result.ours, result.raw, target, result.postgraphile)


def _report_memory(results: Sequence[CaseResult], peaks: dict[str, int]) -> None:
    heading("memory of the API process (one uvicorn worker) under the read load")
    mib = 1024
    ours_peak = peaks["ours"]
    say(
        "peak RSS (VmHWM): "
        + ", ".join(f"{name} {kib / mib:.1f} MiB" for name, kib in peaks.items())
        + f"; ours/raw {ratio(ours_peak, peaks['raw']):.2f},"
        f" ours/PostGraphile {ratio(ours_peak, peaks['PostGraphile']):.2f}"
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
    await prepared_dataset()
    await forget_cached()
    cases = await read_cases()
    async with AsyncExitStack() as stack:
        work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-reads-")))
        ours, raw = await stack.enter_async_context(api_servers(work_dir))
        for case in cases:
            await check_same_data(case, ours, raw)
        postgraphile = await stack.enter_async_context(postgraphile_beside(cases, ours, work_dir))
        servers = Servers(ours, raw, postgraphile)
        heading(f"reads: {plan.describe()}")
        names = ", ".join(case.name for case in cases)
        say(f"same data from ours and raw: {names}")
        say(f"same orders, lines, events and books from ours and {versions()}: {names}")
        results = []
        for case in cases:
            result = await measure_case(case, servers, plan, work_dir)
            _report_case(result)
            results.append(result)
        peaks = servers.peak_rss_kib()
    _report_memory(results, peaks)


def main() -> None:
    run_bench(__doc__, bench_reads, LoadPlan, TIME_LIMIT_SECONDS)


if __name__ == "__main__":
    main()
