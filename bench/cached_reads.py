"""`python -m bench.cached_reads [--quick]`: the response cache (issue #13), our API with
`ORDERS_RESPONSE_CACHE=on` beside the raw baseline, which caches nothing (PostGraphile, which
caches nothing either, is measured cold by `bench.reads`: its 20 connections beside raw's 20
did not fit in the shared PostgreSQL's 100 while this bench was written).

(a) Reads alone: `orders(first: 50)` nested and `order(id)`, the requests of `bench.reads`:
req/s, p50, p99 and the hit rate (from our /metrics); then Redis's memory per kept answer.
(b) Reads under writes: the same `orders(first: 50)` load on ours and raw in turns, while orders
are placed through our API for the same 20 customers at a steady rate and carried to PREPARING
by `main.py relay` + `main.py worker all` (the cache on: each drops what its commits change):
req/s and hit rate; each placing customer then reads its page at once (a page without its new
order is a stale read of its own write); and every placed order's status is polled through the
cache until PREPARING, so that for each status the order took, the bench knows how long after
its commit the API still answered the one before: at least until the last such answer's request
was sent, at most until the first newer answer came back (which includes that request's wait
behind the read load).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import redis.asyncio as redis

from bench.command_line import run_bench
from bench.dataset import DATASET, loyal_members, prepared_dataset
from bench.environment import PREFIX, REDIS_URL, bearer
from bench.load import LoadPlan, LoadResult, Target, measure, send_once
from bench.pipeline import our_pipeline
from bench.processes import OUR_API, RAW_API, Server, server
from bench.queries import ORDERS_PAGE, PLACE_ORDER, SHIPPING_ADDRESS, body
from bench.raw_ids import global_id
from bench.reads import PAGE, ReadCase, check_same_data, read_cases
from bench.report import compare_loads, heading, say, verdict
from bench.services import connect, forget_cached, forget_orders
from resolvers.common.ids import order_key

TARGETS = {"orders": 2.0, "order": 1.0}
"""Issue #13, reads alone: nested orders at 2x the raw baseline, order(id) at 1x."""
UNDER_WRITES_TARGET = 1.0
STALENESS_P99_MS = 250
STALENESS_MAX_MS = 1000
WRITES_PER_SECOND = 5.0
POLL_SECONDS = 0.02
"""How often each placed order's status is read: the staleness figures' resolution."""
FOLLOW_SECONDS = 30.0
STATUSES = ("PENDING", "STOCK_RESERVED", "PAID", "PREPARING")
ORDER_STATUS = "query Status($id: ID!) { order(id: $id) { status } }"
TIME_LIMIT_SECONDS = 1200
CACHE_ON = {"ORDERS_RESPONSE_CACHE": "on"}
"""For the pipeline's processes too: each drops the answers its commits change, at once."""
CACHED_API = {**CACHE_ON, "ORDERS_DATABASE_POOL_SIZE": "5"}
"""Ours with the cache on, and half its usual connections (5, and 5 more at a burst): its
misses need few, and PostgreSQL's 100 are shared with the rest of the machine."""
_LOOKUPS = re.compile(r'^orders_response_cache_lookups_total\{outcome="(hit|miss)"\} (\S+)$', re.M)


async def lookups(url: str) -> dict[str, float]:
    """Our API's response cache lookups so far, by outcome (its /metrics)."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    return {outcome: float(count) for outcome, count in _LOOKUPS.findall(text)}


def hit_rate(before: dict[str, float], after: dict[str, float]) -> float:
    hits = after.get("hit", 0) - before.get("hit", 0)
    misses = after.get("miss", 0) - before.get("miss", 0)
    return hits / (hits + misses) if hits + misses else float("nan")


async def report_memory() -> None:
    """Redis's own count (MEMORY USAGE) of each answer kept now, by kind of page."""
    client = redis.Redis.from_url(REDIS_URL)
    sizes: dict[str, list[int]] = {"orders page": [], "order(id)": []}
    try:
        async for key in client.scan_iter(match=f"{PREFIX}:responses:entry:*", count=1000):
            size = await client.memory_usage(key) or 0
            sizes["orders page" if size > 16 * 1024 else "order(id)"].append(size)
    finally:
        await client.aclose()
    for kind, used in sizes.items():
        if used:
            say(
                f"  Redis memory per kept {kind}: mean {statistics.mean(used) / 1024:.1f} KiB, "
                f"max {max(used) / 1024:.1f} KiB ({len(used)} kept)"
            )
    say(
        "  bound: ORDERS_RESPONSE_CACHE_ENTRIES (2000) answers of at most "
        "ORDERS_RESPONSE_CACHE_ENTRY_BYTES (128 KiB), the oldest evicted first"
    )


async def _ours_and_raw(
    case: ReadCase, ours: Server, raw: Server, plan: LoadPlan, work: Path, label: str
) -> tuple[LoadResult, LoadResult, float]:
    """Ours and raw taking turns on the case's requests; our hit rate over ours' runs."""
    targets = [
        Target.of(name, server.url, requests, work / f"{label}-{case.key}-{name}.requests")
        for name, server, requests in (("ours", ours, case.ours), ("raw", raw, case.raw))
    ]
    before = await lookups(ours.url)
    measured = await measure(targets, plan)
    rate = hit_rate(before, await lookups(ours.url))
    return measured.median("ours"), measured.median("raw"), rate


async def reads_alone(
    cases: Sequence[ReadCase], ours: Server, raw: Server, plan: LoadPlan, work: Path
) -> None:
    heading(f"reads alone, response cache on: {plan.describe()}")
    for case in cases:
        mine, theirs, rate = await _ours_and_raw(case, ours, raw, plan, work, "alone")
        say(f"{case.name} (ours: cache on; hit rate {rate:.3f}, warm-up included)")
        compare_loads(mine, theirs, TARGETS[case.key])
    # every page once more, so that all are kept when Redis is asked (stock lives 10 s): the
    # 200 order(id) first, the 20 pages of orders last (asked first, they had expired)
    for case in sorted(cases, key=lambda case: len(case.ours), reverse=True):
        for request in case.ours:
            await send_once(ours.url, request)
    await report_memory()


@dataclass(frozen=True)
class Answer:
    status: str
    sent: float
    received: float
    """Wall clock, seconds: the answer was made between the two."""


@dataclass
class Writes:
    placed: list[UUID] = field(default_factory=list)
    stale_own_reads: int = 0
    answers: dict[UUID, list[Answer]] = field(default_factory=dict)
    """For each order, every status the API answered, in order."""
    followers: list[asyncio.Task[None]] = field(default_factory=list)


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> httpx.Response:
    headers = {"Authorization": token, "Content-Type": "application/json"}
    return await client.post("/graphql", content=body(query, variables), headers=headers)


async def _follow(client: httpx.AsyncClient, token: str, order_id: UUID, writes: Writes) -> None:
    answers = writes.answers.setdefault(order_id, [])
    variables = {"id": global_id("Order", order_id)}
    deadline = time.monotonic() + FOLLOW_SECONDS
    while time.monotonic() < deadline and not any(a.status == "PREPARING" for a in answers):
        sent = time.time()
        answer = await _post(client, ORDER_STATUS, variables, token)
        status = answer.json()["data"]["order"]["status"]
        answers.append(Answer(status, sent, time.time()))
        await asyncio.sleep(POLL_SECONDS)  # the sampling interval, not a synchronisation


async def _write(url: str, stop: asyncio.Event, writes: Writes) -> None:
    """Orders placed at WRITES_PER_SECOND for the loyal customers, each followed."""
    customers = [bearer(member, name) for member, name in loyal_members()]
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        number = 0
        while not stop.is_set():
            await asyncio.sleep(max(0.0, started + number / WRITES_PER_SECOND - time.monotonic()))
            token = customers[number % len(customers)]
            book = 1 + number * 7 % DATASET.books
            order_input = {
                "items": [{"productId": global_id("Product", book), "quantity": 1}],
                "shippingAddress": SHIPPING_ADDRESS,
            }
            answer = await _post(client, PLACE_ORDER, {"input": order_input}, token)
            order_id = order_key(answer.json()["data"]["placeOrder"]["order"]["id"])
            writes.placed.append(order_id)
            page = await _post(client, ORDERS_PAGE, {"first": PAGE}, token)
            edges = page.json()["data"]["orders"]["edges"]
            if global_id("Order", order_id) not in {edge["node"]["id"] for edge in edges}:
                writes.stale_own_reads += 1
            writes.followers.append(asyncio.create_task(_follow(client, token, order_id, writes)))
            number += 1
        await asyncio.gather(*writes.followers)


async def _staleness_ms(writes: Writes) -> tuple[list[float], list[float]]:
    """For each status an order took after PENDING, how long after its commit the API still
    answered a status before it: at least until the last such answer's request was sent, at
    most until the first answer of it (or a later one) came back. Both, in milliseconds."""
    async with connect() as conn:
        rows = await conn.fetch(
            "SELECT order_id, status, occurred_at FROM order_event WHERE order_id = ANY($1)",
            writes.placed,
        )
    committed: dict[tuple[UUID, str], datetime] = {
        (row["order_id"], row["status"]): row["occurred_at"] for row in rows
    }
    at_least, at_most = [], []
    for order_id, answers in writes.answers.items():
        for rank, status in enumerate(STATUSES[1:], start=1):
            at = committed.get((order_id, status))
            newer = [a.received for a in answers if a.status in STATUSES[rank:]]
            if at is None or not newer:
                continue
            older = [a.sent for a in answers if a.status in STATUSES[:rank]]
            at_least.append(max(0.0, (max(older, default=0.0) - at.timestamp()) * 1000))
            at_most.append(max(0.0, (min(newer) - at.timestamp()) * 1000))
    return at_least, at_most


def _report_staleness(lags: list[float], which: str, changes: int, orders: int) -> None:
    lags = sorted(lags)
    p50, p99 = statistics.median(lags), lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    say(
        f"  staleness, {which}, over {changes} status changes of {orders} orders "
        f"(sampled every {POLL_SECONDS * 1000:.0f} ms): p50 {p50:.0f} ms, p99 {p99:.0f} ms "
        f"{verdict(p99, STALENESS_P99_MS, at_most=True)}, max {lags[-1]:.0f} ms "
        f"{verdict(lags[-1], STALENESS_MAX_MS, at_most=True)}"
    )


async def reads_under_writes(
    case: ReadCase, ours: Server, raw: Server, plan: LoadPlan, work: Path
) -> None:
    heading(
        f"reads under writes: {case.name}, while orders are placed at {WRITES_PER_SECOND:g}/s "
        f"for the same customers and carried to PREPARING; {plan.describe()}"
    )
    writes = Writes()
    stop = asyncio.Event()
    async with our_pipeline(work, CACHE_ON):
        writer = asyncio.create_task(_write(ours.url, stop, writes))
        try:
            mine, theirs, rate = await _ours_and_raw(case, ours, raw, plan, work, "writes")
        finally:
            stop.set()
            await writer
    compare_loads(mine, theirs, UNDER_WRITES_TARGET)
    say(f"  hit rate (ours, the writers' reads included): {rate:.3f}")
    at_least, at_most = await _staleness_ms(writes)
    if at_least:
        for which, lags in (
            ("at least (the last old answer's request sent)", at_least),
            ("at most (the first new answer received, its wait in the load included)", at_most),
        ):
            _report_staleness(lags, which, len(lags), len(writes.placed))
    say(
        f"  stale reads of a customer's own new order: {writes.stale_own_reads} of "
        f"{len(writes.placed)} {verdict(writes.stale_own_reads, 0, at_most=True)}"
    )
    async with connect() as conn:
        await forget_orders(conn, writes.placed)


async def bench_cached_reads(plan: LoadPlan) -> None:
    await prepared_dataset()
    await forget_cached()
    cases = [case for case in await read_cases() if case.key in TARGETS]
    async with AsyncExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-cached-")))
        ours = await stack.enter_async_context(server("ours", OUR_API, work, CACHED_API))
        raw = await stack.enter_async_context(server("raw", RAW_API, work))
        for case in cases:
            await check_same_data(case, ours, raw)
        await reads_alone(cases, ours, raw, plan, work)
        await reads_under_writes(cases[0], ours, raw, plan, work)
    await forget_cached()


def main() -> None:
    run_bench(__doc__, bench_cached_reads, LoadPlan, TIME_LIMIT_SECONDS)


if __name__ == "__main__":
    main()
