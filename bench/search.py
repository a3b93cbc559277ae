"""`python -m bench.search [--rounds 3] [--queries 100] [--rebuild] [--orders N]`: customer
service's order search on a million orders.

Builds the search data set when it is missing (`bench.search_dataset`: its own database), then
runs each typical search as the API runs it (infrastructure/database/order_search.py's
`search_orders`, a page of 20 through SQLAlchemy and asyncpg), with a different value each
time, drawn from the data set. The cases take turns: each round runs `--queries` searches of
every case, one case after the other, so that whatever else the machine does weighs on every
case alike. Prints each case's p50 and p99 (the median over the rounds, with the lowest and
highest round), then the plan of one search of each case with `EXPLAIN (ANALYZE, BUFFERS)`, as
it ran, and last what the triggers on `orders` cost an order written (`_trigger_costs`)."""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.command_line import search_rounds
from bench.report import heading, percentile, say
from bench.search_dataset import (
    SEARCH_DATABASE,
    SEARCH_DATABASE_URL,
    SEARCH_DATASET,
    SearchDatasetSize,
    ensure_search_dataset,
    isbn,
    member_id,
    title,
)
from bench.services import connect, prepare_database
from domain.order_search import OrderSearch
from domain.status import OrderStatus
from infrastructure.database.engine import create_engine
from infrastructure.database.order_search import (
    books_statement,
    names_statement,
    search_orders,
    search_statement,
)
from infrastructure.database.tables import order_table

PAGE = 20
TARGET_P99_MS = 50.0
TRIGGER_PROBE_ORDERS = 20_000
"""Orders inserted (and rolled back) to time the triggers on `orders`."""


@dataclass(frozen=True)
class Samples:
    """Values drawn from the data set, for the searches to look for."""

    numbers: list[str]
    recipients: list[str]
    phones: list[str]
    given_names: list[str]
    now: datetime
    size: SearchDatasetSize

    def book(self, r: random.Random) -> int:
        """A book of the data set, at random (books are numbered from 1)."""
        return r.randrange(1, self.size.books + 1)


@dataclass(frozen=True)
class Case:
    name: str
    selective: bool
    make: Callable[[random.Random, Samples], OrderSearch]
    """The criteria as a client asks them, drawn from the data set; checked before each search."""


def _spaced(phone: str) -> str:
    return phone.replace("-", " ")


def _delivered_last_year(search: OrderSearch, s: Samples) -> OrderSearch:
    """`search` narrowed to the orders DELIVERED and placed within the year before the newest."""
    return replace(
        search, statuses=(OrderStatus.DELIVERED,), created_after=s.now - timedelta(days=365)
    )


CASES = (
    Case("order number", True, lambda r, s: OrderSearch(number=r.choice(s.numbers).lower())),
    Case(
        "member",
        True,
        lambda r, s: OrderSearch(member_id=member_id(r.randrange(s.size.members))),
    ),
    Case(
        "recipientName (whole name)",
        True,
        lambda r, s: OrderSearch(recipient_name=r.choice(s.recipients)),
    ),
    Case(
        "recipientName + DELIVERED + last year",
        True,
        lambda r, s: _delivered_last_year(OrderSearch(recipient_name=r.choice(s.recipients)), s),
    ),
    Case("recipient (full name)", True, lambda r, s: OrderSearch(recipient=r.choice(s.recipients))),
    Case(
        "recipient + DELIVERED + last year",
        True,
        lambda r, s: _delivered_last_year(OrderSearch(recipient=r.choice(s.recipients)), s),
    ),
    Case("phone (spaces)", True, lambda r, s: OrderSearch(phone=_spaced(r.choice(s.phones)))),
    Case("ISBN", True, lambda r, s: OrderSearch(isbn=isbn(s.book(r)))),
    Case("title (whole)", True, lambda r, s: OrderSearch(title=title(s.book(r)))),
    Case(
        "title (two words)",
        True,
        lambda r, s: OrderSearch(title=" ".join(title(s.book(r)).split()[:2])),
    ),
    Case(
        "CANCELLED in the last 30 days",
        True,
        lambda r, s: OrderSearch(
            statuses=(OrderStatus.CANCELLED,), created_after=s.now - timedelta(days=30)
        ),
    ),
    Case(
        "recipient (given name, 2 characters)",
        False,
        lambda r, s: OrderSearch(recipient=r.choice(s.given_names)),
    ),
    Case(
        "a day a year ago",
        False,
        lambda r, s: OrderSearch(
            created_after=s.now - timedelta(days=365),
            created_before=s.now - timedelta(days=364),
        ),
    ),
    Case("everything (no criterion)", False, lambda r, s: OrderSearch()),
)


async def _prepare(size: SearchDatasetSize, rebuild: bool) -> None:
    await prepare_database(SEARCH_DATABASE)
    async with connect(SEARCH_DATABASE_URL) as conn:
        started = time.monotonic()
        if await ensure_search_dataset(conn, size, rebuild=rebuild):
            say(f"built {size.label} in {time.monotonic() - started:.0f} s")
        else:
            say(f"already built: {size.label}")


async def _samples(size: SearchDatasetSize) -> Samples:
    conn = await asyncpg.connect(SEARCH_DATABASE_URL)
    try:
        rows = await conn.fetch(
            "SELECT number, recipient, phone, created_at FROM orders TABLESAMPLE SYSTEM (1) "
            "REPEATABLE (14) LIMIT 2000"
        )
        now = await conn.fetchval("SELECT max(created_at) FROM orders")
    finally:
        await conn.close()
    return Samples(
        numbers=[r["number"] for r in rows],
        recipients=[r["recipient"] for r in rows],
        phones=[r["phone"] for r in rows],
        given_names=[r["recipient"][1:] for r in rows],
        now=now if now is not None else datetime.now(UTC),
        size=size,
    )


async def _round(
    engine: AsyncEngine, samples: Samples, queries: int, rng: random.Random
) -> dict[str, tuple[float, float]]:
    figures = {}
    for case in CASES:
        timings = []
        for _ in range(queries):
            search = case.make(rng, samples).checked()
            started = time.perf_counter()
            await search_orders(engine, search, first=PAGE, after=None)
            timings.append((time.perf_counter() - started) * 1000)
        figures[case.name] = (percentile(timings, 0.5), percentile(timings, 0.99))
    return figures


async def _explain_search(engine: AsyncEngine, search: OrderSearch) -> str:
    """The plan of each statement the search runs: the books' ids first, for a search by one
    book, or the whole names, for a search by a part of a name
    (infrastructure/database/order_search.py), then the page's."""
    async with engine.connect() as conn:
        statement = await search_statement(conn, search, first=PAGE, after=None)
    plans = []
    for first in (books_statement(search), names_statement(search)):
        if first is not None:
            plans += [await _explain(engine, first), ""]
    return "\n".join([*plans, await _explain(engine, statement)])


async def _explain(engine: AsyncEngine, statement: Select[Any]) -> str:
    compiled = statement.compile(
        dialect=engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    params = compiled.construct_params()
    values = [params[name] for name in compiled.positiontup or ()]
    conn = await asyncpg.connect(SEARCH_DATABASE_URL)
    try:
        rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", *values)
    finally:
        await conn.close()
    return "\n".join(row[0] for row in rows)


def _probe_insert(new_names: bool) -> str:
    """An insert of copies of TRIGGER_PROBE_ORDERS orders, under new ids and numbers: with
    their own recipients (names `recipient_name` holds), or with a new name each."""
    copied = {
        "id": "gen_random_uuid()",
        "number": "'trigger-probe-' || n",
        "idempotency_key": "NULL",
        "recipient": "recipient || ' ' || n" if new_names else "recipient",
    }
    columns = [column.name for column in order_table.columns]
    values = ", ".join(copied.get(name, name) for name in columns)
    return (
        f"INSERT INTO orders ({', '.join(columns)}) SELECT {values} FROM "
        "(SELECT *, row_number() OVER () AS n FROM orders LIMIT $1) AS copied"
    )


async def _trigger_costs() -> list[str]:
    """What each trigger on `orders` costs an order written (the recipient names' of migration
    0016, the member's foreign key check), from `EXPLAIN ANALYZE` of the insert of
    TRIGGER_PROBE_ORDERS copied orders, once with known names and once with new ones, each
    rolled back (docs/DECISIONS.md, "A part of a name finds whole names first")."""
    conn = await asyncpg.connect(SEARCH_DATABASE_URL)
    lines = []
    try:
        for new_names in (False, True):
            transaction = conn.transaction()
            await transaction.start()
            try:
                plan = await conn.fetch(
                    f"EXPLAIN (ANALYZE) {_probe_insert(new_names)}", TRIGGER_PROBE_ORDERS
                )
            finally:
                await transaction.rollback()
            names = "new names" if new_names else "known names"
            for row in plan:
                found = re.match(r"Trigger (.+): time=([\d.]+) calls=(\d+)", row[0])
                if found:
                    name, ms, calls = found[1], float(found[2]), int(found[3])
                    lines.append(
                        f"  {names:<11}  {name:<50} {ms * 1000 / calls:6.1f} µs an order"
                        f" ({calls} orders, {ms:.0f} ms)"
                    )
    finally:
        await conn.close()
    return lines


def _describe(search: OrderSearch) -> str:
    given = [(f.name, getattr(search, f.name)) for f in fields(search)]
    return (
        ", ".join(
            f"{k}={','.join(s.value for s in v) if k == 'statuses' else v}"
            for k, v in given
            if v not in (None, ())
        )
        or "(none)"
    )


async def run(*, size: SearchDatasetSize, rounds: int, queries: int, rebuild: bool) -> None:
    await _prepare(size, rebuild)
    samples = await _samples(size)
    engine = create_engine(SEARCH_DATABASE_URL)
    try:
        rng = random.Random(14)
        await _round(engine, samples, 5, rng)  # warm-up: connections, the plan cache, the pages
        results = [await _round(engine, samples, queries, rng) for _ in range(rounds)]
        heading(f"order search, page of {PAGE}: {rounds} rounds of {queries} searches a case")
        say(f"  {size.label}")
        for case in CASES:
            p50s = [r[case.name][0] for r in results]
            p99s = [r[case.name][1] for r in results]
            p99 = statistics.median(p99s)
            mark = ""
            if case.selective:
                mark = f"  (p99 target < {TARGET_P99_MS:g} ms: "
                mark += "met)" if p99 < TARGET_P99_MS else "MISSED)"
            say(
                f"  {case.name:<38} p50 {statistics.median(p50s):7.2f} ms "
                f"({min(p50s):.2f}-{max(p50s):.2f})  p99 {p99:7.2f} ms "
                f"({min(p99s):.2f}-{max(p99s):.2f}){mark}"
            )
        for case in CASES:
            search = case.make(rng, samples).checked()
            heading(f"EXPLAIN (ANALYZE, BUFFERS): {case.name}: {_describe(search)}")
            say(await _explain_search(engine, search))
        heading(f"the triggers on orders: EXPLAIN ANALYZE of {TRIGGER_PROBE_ORDERS} inserts")
        for line in await _trigger_costs():
            say(line)
    finally:
        await engine.dispose()


def main() -> None:
    parser = search_rounds(__doc__, queries=100)
    parser.add_argument("--rebuild", action="store_true", help="build the data set again")
    parser.add_argument(
        "--orders",
        type=int,
        default=SEARCH_DATASET.orders,
        help="a smaller shop, to check the bench (a member per 5 orders, a book per 20)",
    )
    args = parser.parse_args()
    size = SearchDatasetSize(books=args.orders // 20, members=args.orders // 5, orders=args.orders)
    asyncio.run(run(size=size, rounds=args.rounds, queries=args.queries, rebuild=args.rebuild))


if __name__ == "__main__":
    main()
