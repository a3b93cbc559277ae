"""`python -m bench.cached_reads [--quick]`: the response cache (issue #13), our API with
`ORDERS_RESPONSE_CACHE=on` beside the raw baseline and PostGraphile, neither of which caches.

(a) Reads alone: `orders(first: 50)` nested and `order(id)`, the requests of `bench.reads` (and
its PostGraphile requests, its same-tree check and its opened pool): ours, raw and PostGraphile
taking turns in each round; req/s, p50, p99, ours/raw and ours/PostGraphile, and our hit rate
(from our /metrics); then Redis's memory per kept answer. PostGraphile runs for (a) alone.
(b) Reads under writes: the same `orders(first: 50)` load on ours and raw in turns, while orders
are placed through our API for the same 20 customers at a steady rate and carried to PREPARING
by `main.py relay` + `main.py worker all` (the cache on: each drops what its commits change):
req/s and hit rate; each placing customer then reads its page at once (a page without its new
order is a stale read of its own write); and every placed order's status is polled through the
cache until PREPARING (which keeps its answer kept), while a client of its own reads, straight
from Redis every few milliseconds, the kept answer the API would serve to that poll. For each
status the order took, staleness is how long after its commit (as PostgreSQL records it, with
`track_commit_timestamp = on`; else the status's `occurred_at`, stamped before the commit) that
kept answer still held a status before it: the API answers a kept answer without reading the
database, and once it is dropped nothing read before the commit can be kept again (the store
refuses an answer read before a drop of one of its tags). That client waits behind nothing but
Redis, so the figure's resolution is its interval, where the poll through the API waits behind the
read load (its own p99 is seconds). (b) stays ours against raw: with PostGraphile's pool beside
the pipeline's, it would open up to 92 of PostgreSQL's 100 connections (see `CACHED_API`), and
PostGraphile, which caches nothing, has no hit rate or staleness to show; its cold reads are (a)'s.
(c) The same writes with the pipeline's processes not dropping what their commits change: the
events alone (relay, broker, the cache's consumer) drop the answers, the path that is the
guarantee when a process dies after its commit. Its staleness, and the relay's share of it.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import orjson
import redis.asyncio as redis

from bench.command_line import run_bench
from bench.dataset import DATASET, loyal_members, prepared_dataset
from bench.environment import PREFIX, REDIS_URL, bearer
from bench.load import LoadPlan, Measured, measure, send_once
from bench.pipeline import our_pipeline
from bench.postgraphile_peer import versions
from bench.processes import OUR_API, RAW_API, Server, server
from bench.queries import ORDERS_PAGE, PLACE_ORDER, SHIPPING_ADDRESS, body
from bench.raw_ids import global_id
from bench.reads import PAGE, ReadCase, check_same_data, postgraphile_beside, read_cases
from bench.report import compare_loads, heading, say, verdict
from bench.services import connect, forget_cached, forget_orders
from domain.member import Member, Role, Viewer
from domain.messages import Event
from resolvers.common.ids import order_key
from schema.response_cache.entries import cache_key, viewer_key

TARGETS = {"orders": 2.0, "order": 1.0}
"""Issue #13, reads alone: nested orders at 2x the raw baseline, order(id) at 1x."""
UNDER_WRITES_TARGET = 1.0
STALENESS_P99_MS = 250
STALENESS_MAX_MS = 1000
WRITES_PER_SECOND = 5.0
POLL_SECONDS = 0.02
"""How often each placed order's status is read through the API (which keeps it kept)."""
WATCH_SECONDS = 0.005
"""How often the kept answers of those reads are read straight from Redis: the staleness
figures' resolution."""
FOLLOW_SECONDS = 30.0
STATUSES = ("PENDING", "STOCK_RESERVED", "PAID", "PREPARING")
ORDER_STATUS = "query Status($id: ID!) { order(id: $id) { status } }"
ORDER_STATUS_NAME = "Status"
TIME_LIMIT_SECONDS = 1200
CACHE_ON = {"ORDERS_RESPONSE_CACHE": "on"}
"""For the pipeline's processes too: each drops the answers its commits change, at once."""
EVENTS_ONLY = {"ORDERS_RESPONSE_CACHE": "off"}
"""For the pipeline's processes of (c): they drop nothing after their commits; their cache
consumer drops on the events as always (it does whatever the setting says)."""
CACHED_API = {**CACHE_ON, "ORDERS_DATABASE_POOL_SIZE": "5"}
"""Ours with the cache on, and half its usual connections (5, and 5 more at a burst): its
misses need few, and PostgreSQL's 100 are shared with the rest of the machine. (a) opens at
most 10 (ours) + 20 (raw) + 20 (PostGraphile's pool) + 1 (the bench's) = 51 of them.
PostGraphile is stopped before (b), whose pipeline opens its own: `worker all` 20 and the relay
20 + 1 (its LISTEN), 72 in all with ours, raw and the bench's (92 had PostGraphile stayed)."""
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


async def _in_turns(
    case: ReadCase, servers: dict[str, Server], plan: LoadPlan, work: Path, label: str
) -> tuple[Measured, float]:
    """The servers (ours first) taking turns on the case's requests; our hit rate over ours'
    runs."""
    ours = servers["ours"]
    before = await lookups(ours.url)
    measured = await measure(case.targets(servers, work, label), plan)
    return measured, hit_rate(before, await lookups(ours.url))


async def reads_alone(
    cases: Sequence[ReadCase], servers: dict[str, Server], plan: LoadPlan, work: Path
) -> None:
    heading(f"reads alone, response cache on: {plan.describe()}")
    say(f"beside raw and {versions()}, neither caching")
    for case in cases:
        measured, rate = await _in_turns(case, servers, plan, work, "alone")
        say(f"{case.name} (ours: cache on; hit rate {rate:.3f}, warm-up included)")
        compare_loads(
            measured.median("ours"),
            measured.median("raw"),
            TARGETS[case.key],
            measured.median("postgraphile"),
        )
    # every page once more, so that all are kept when Redis is asked (stock lives 10 s): the
    # 200 order(id) first, the 20 pages of orders last (asked first, they had expired)
    for case in sorted(cases, key=lambda case: len(case.ours), reverse=True):
        for request in case.ours:
            await send_once(servers["ours"].url, request)
    await report_memory()


@dataclass(frozen=True)
class Answer:
    status: str
    sent: float
    received: float
    """Wall clock, seconds: the answer was made between the two."""


@dataclass(frozen=True)
class Seen:
    status: str | None
    """The status of the kept answer; None when none was kept."""
    sent: float
    received: float
    """Wall clock, seconds: Redis read the key between the two."""


@dataclass
class Writes:
    placed: list[UUID] = field(default_factory=list)
    stale_own_reads: int = 0
    answers: dict[UUID, list[Answer]] = field(default_factory=dict)
    """For each order, every status the API answered, in order."""
    followers: list[asyncio.Task[None]] = field(default_factory=list)
    watching: dict[UUID, str] = field(default_factory=dict)
    """The Redis key of each followed order's kept status answer, while it is followed."""
    kept: dict[UUID, list[Seen]] = field(default_factory=dict)
    """For each order, what its key held at each look, in order."""


def kept_status_key(member_id: str, order_id: UUID) -> str:
    """Where our API keeps its answer to `ORDER_STATUS` about this order for its customer."""
    viewer = Viewer(Member(member_id, None, None), Role.CUSTOMER)
    variables = {"id": global_id("Order", order_id)}
    key = cache_key(ORDER_STATUS, ORDER_STATUS_NAME, variables, viewer_key(viewer))
    assert key is not None, "an id's variables are JSON"
    return f"{PREFIX}:responses:entry:{key}"


def _kept_status(value: bytes | str | None) -> str | None:
    """The status in a kept answer (its time, its cost, then its data as JSON)."""
    if not isinstance(value, bytes):
        return None
    data = orjson.loads(value.split(b"\n", 2)[2])
    return str(data["order"]["status"])


async def _watch(writes: Writes, stop: asyncio.Event) -> None:
    """Every WATCH_SECONDS, the kept status answer of every followed order, read at once."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        while not stop.is_set():
            watched = list(writes.watching.items())
            if watched:
                sent = time.time()
                values = await client.mget([key for _, key in watched])
                received = time.time()
                for (order_id, _), value in zip(watched, values, strict=True):
                    seen = Seen(_kept_status(value), sent, received)
                    writes.kept.setdefault(order_id, []).append(seen)
            await asyncio.sleep(WATCH_SECONDS)  # the sampling interval, not a synchronisation
    finally:
        await client.aclose()


async def _post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> httpx.Response:
    headers = {"Authorization": token, "Content-Type": "application/json"}
    return await client.post("/graphql", content=body(query, variables), headers=headers)


async def _follow(
    client: httpx.AsyncClient, customer: tuple[str, str], order_id: UUID, writes: Writes
) -> None:
    member_id, token = customer
    answers = writes.answers.setdefault(order_id, [])
    variables = {"id": global_id("Order", order_id)}
    deadline = time.monotonic() + FOLLOW_SECONDS
    writes.watching[order_id] = kept_status_key(member_id, order_id)
    try:
        while time.monotonic() < deadline and not any(a.status == "PREPARING" for a in answers):
            sent = time.time()
            answer = await _post(client, ORDER_STATUS, variables, token)
            status = answer.json()["data"]["order"]["status"]
            answers.append(Answer(status, sent, time.time()))
            await asyncio.sleep(POLL_SECONDS)  # the sampling interval, not a synchronisation
    finally:
        del writes.watching[order_id]


async def _write(url: str, stop: asyncio.Event, writes: Writes) -> None:
    """Orders placed at WRITES_PER_SECOND for the loyal customers, each followed."""
    customers = [(member, bearer(member, name)) for member, name in loyal_members()]
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        number = 0
        while not stop.is_set():
            await asyncio.sleep(max(0.0, started + number / WRITES_PER_SECOND - time.monotonic()))
            customer = customers[number % len(customers)]
            token = customer[1]
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
            writes.followers.append(
                asyncio.create_task(_follow(client, customer, order_id, writes))
            )
            number += 1
        await asyncio.gather(*writes.followers)


ANNOUNCING = {
    Event.ORDER_PLACED.value: "PENDING",
    Event.STOCK_RESERVED.value: "STOCK_RESERVED",
    Event.PAYMENT_APPROVED.value: "PAID",
}
"""The events written in the same transaction as a status: their commit is that status's."""


@dataclass(frozen=True)
class Committed:
    at: dict[tuple[UUID, str], float]
    """When each placed order took each status, wall clock seconds."""
    tracked: bool
    """`at` is each status's commit; else its `occurred_at`, stamped before the commit."""

    @property
    def source(self) -> str:
        if self.tracked:
            return "its commit (track_commit_timestamp)"
        return "its occurred_at, stamped before its commit (track_commit_timestamp is off)"


async def _committed(writes: Writes) -> Committed:
    """When each placed order took each status: the commit of the transaction that wrote it
    (PostgreSQL's own record, `pg_xact_commit_timestamp` of its history row, where the server
    keeps them: `track_commit_timestamp = on`), else its `occurred_at`, stamped in that
    transaction before its commit (a transaction slow to commit then counts as staleness,
    though the old status is still the database's)."""
    async with connect() as conn:
        tracked = await conn.fetchval("SELECT current_setting('track_commit_timestamp') = 'on'")
        at = "pg_xact_commit_timestamp(xmin)" if tracked else "occurred_at"
        rows = await conn.fetch(
            f"SELECT order_id, status, {at} AS at FROM order_event WHERE order_id = ANY($1)",
            writes.placed,
        )
    return Committed(
        {(row["order_id"], row["status"]): row["at"].timestamp() for row in rows}, tracked
    )


@dataclass
class Staleness:
    at_least: list[float] = field(default_factory=list)
    at_most: list[float] = field(default_factory=list)
    """Milliseconds after each status change's commit, one figure each."""


def _kept_staleness(writes: Writes, committed: dict[tuple[UUID, str], float]) -> Staleness:
    """For each status an order took after PENDING, how long after its commit the API's kept
    answer still held a status before it: at least until the last look that found one was
    sent, at most until the look after it came back (0 when none was ever found). A change
    after which the order was no longer looked at is left out."""
    found = Staleness()
    for order_id, looks in writes.kept.items():
        for rank, status in enumerate(STATUSES[1:], start=1):
            at = committed.get((order_id, status))
            if at is None:
                continue
            old = [i for i, look in enumerate(looks) if look.status in STATUSES[:rank]]
            if not old:
                found.at_least.append(0.0)
                found.at_most.append(0.0)
                continue
            last = old[-1]
            if last + 1 >= len(looks):
                continue
            found.at_least.append(max(0.0, (looks[last].sent - at) * 1000))
            found.at_most.append(max(0.0, (looks[last + 1].received - at) * 1000))
    return found


def _answered_staleness_ms(writes: Writes, committed: dict[tuple[UUID, str], float]) -> list[float]:
    """The earlier measure, through the API: until the first answer of the new status (or a
    later one) came back, its wait behind the read load included."""
    lags = []
    for order_id, answers in writes.answers.items():
        for rank, status in enumerate(STATUSES[1:], start=1):
            at = committed.get((order_id, status))
            newer = [a.received for a in answers if a.status in STATUSES[rank:]]
            if at is not None and newer:
                lags.append(max(0.0, (min(newer) - at) * 1000))
    return lags


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, ordered[-1]


def _report_staleness(lags: list[float], which: str, orders: int, *, judged: bool = True) -> None:
    """`judged`: held to the targets; the poll through the API is not, since its own wait
    behind the read load is most of it (module docstring)."""
    if not lags:
        say(f"  staleness, {which}: no status change seen")
        return
    p50, p99, most = _percentiles(lags)
    p99_verdict = f" {verdict(p99, STALENESS_P99_MS, at_most=True)}" if judged else ""
    max_verdict = f" {verdict(most, STALENESS_MAX_MS, at_most=True)}" if judged else ""
    say(
        f"  staleness, {which}, over {len(lags)} status changes of {orders} orders: "
        f"p50 {p50:.0f} ms, p99 {p99:.0f} ms{p99_verdict}, max {most:.0f} ms{max_verdict}"
        + ("" if judged else " (comparison only, no target)")
    )


def _report_look_intervals(writes: Writes) -> None:
    gaps = [
        (later.sent - earlier.sent) * 1000
        for looks in writes.kept.values()
        for earlier, later in itertools.pairwise(looks)
    ]
    if gaps:
        p50, p99, most = _percentiles(gaps)
        say(
            f"  the looks at Redis (every {WATCH_SECONDS * 1000:g} ms asked): one every "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {most:.1f} ms"
        )


async def _report_relay(writes: Writes, committed: Committed) -> None:
    """How long the placed orders' events waited in the outbox: from their writing (in the
    transaction, before its commit) to the relay taking them; and, for those written with a
    status, from that status's commit (see `_committed`)."""
    async with connect() as conn:
        rows = await conn.fetch(
            "SELECT order_id, routing_key, extract(epoch FROM created_at) AS written,"
            " extract(epoch FROM published_at) AS taken"
            " FROM outbox WHERE order_id = ANY($1) AND published_at IS NOT NULL",
            writes.placed,
        )
    if not rows:
        return
    waits = [(float(row["taken"]) - float(row["written"])) * 1000 for row in rows]
    p50, p99, most = _percentiles(waits)
    say(
        f"  relay: {len(rows)} events from written to taken: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, max {most:.1f} ms"
    )
    after = [
        (float(row["taken"]) - committed.at[key]) * 1000
        for row in rows
        if row["routing_key"] in ANNOUNCING
        and (key := (row["order_id"], ANNOUNCING[row["routing_key"]])) in committed.at
    ]
    if after:
        p50, p99, most = _percentiles(after)
        say(
            f"  relay: {len(after)} events written with a status, from the status's "
            f"{'commit' if committed.tracked else 'occurred_at'} to taken: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {most:.1f} ms"
        )


async def _report_writes(writes: Writes, *, answered: bool) -> None:
    committed = await _committed(writes)
    kept = _kept_staleness(writes, committed.at)
    orders = len(writes.placed)
    say(f"  each status change timed from {committed.source}")
    _report_staleness(kept.at_least, "at least (the last look at the old answer sent)", orders)
    _report_staleness(kept.at_most, "at most (the next look came back)", orders)
    _report_look_intervals(writes)
    if answered:
        _report_staleness(
            _answered_staleness_ms(writes, committed.at),
            "through the API (the first new answer received, its wait in the load included)",
            orders,
            judged=False,
        )
    await _report_relay(writes, committed)


@asynccontextmanager
async def _writing(url: str, work: Path, pipeline_env: dict[str, str]) -> AsyncIterator[Writes]:
    """Orders placed, carried and followed (through the API, and their kept answers in Redis)
    until the block ends; then every follower done."""
    writes = Writes()
    stop, watched = asyncio.Event(), asyncio.Event()
    async with our_pipeline(work, pipeline_env):
        watcher = asyncio.create_task(_watch(writes, watched))
        writer = asyncio.create_task(_write(url, stop, writes))
        try:
            yield writes
        finally:
            stop.set()
            await writer
            watched.set()
            await watcher


async def reads_under_writes(
    case: ReadCase, ours: Server, raw: Server, plan: LoadPlan, work: Path
) -> None:
    heading(
        f"reads under writes: {case.name}, while orders are placed at {WRITES_PER_SECOND:g}/s "
        f"for the same customers and carried to PREPARING; {plan.describe()}"
    )
    async with _writing(ours.url, work, CACHE_ON) as writes:
        measured, rate = await _in_turns(case, {"ours": ours, "raw": raw}, plan, work, "writes")
    compare_loads(measured.median("ours"), measured.median("raw"), UNDER_WRITES_TARGET)
    say(f"  hit rate (ours, the writers' reads included): {rate:.3f}")
    await _report_writes(writes, answered=True)
    say(
        f"  stale reads of a customer's own new order: {writes.stale_own_reads} of "
        f"{len(writes.placed)} {verdict(writes.stale_own_reads, 0, at_most=True)}"
    )
    async with connect() as conn:
        await forget_orders(conn, writes.placed)


async def events_alone(ours: Server, plan: LoadPlan, work: Path) -> None:
    """(c): the pipeline's processes drop nothing after their commits, and no read load runs
    (under one, the writer's own requests fall behind its rate): the events' path alone, for
    as long as (b) ran."""
    seconds = plan.warm_up_seconds + plan.runs * plan.run_seconds
    heading(
        f"the events alone: orders placed at {WRITES_PER_SECOND:g}/s for {seconds} s, the "
        "pipeline's processes not dropping what they commit"
    )
    async with _writing(ours.url, work, EVENTS_ONLY) as writes:
        await asyncio.sleep(seconds)  # the window the writer writes in, not a synchronisation
    await _report_writes(writes, answered=False)
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
        async with postgraphile_beside(cases, ours, work) as postgraphile:
            servers = {"ours": ours, "raw": raw, "postgraphile": postgraphile}
            await reads_alone(cases, servers, plan, work)
        await reads_under_writes(cases[0], ours, raw, plan, work)
        await events_alone(ours, plan, work)
    await forget_cached()


def main() -> None:
    run_bench(__doc__, bench_cached_reads, LoadPlan, TIME_LIMIT_SECONDS)


if __name__ == "__main__":
    main()
