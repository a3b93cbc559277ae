"""`python -m bench.catalogue_search [--books 200000] [--rounds 3] [--queries 50]`: the
catalogue's search (`products(search:)`) on a large catalogue, with the author's trigram index
(migration 0018) and without it, in turns.

Builds its catalogue when missing: `--books` books in a database of their own
(`<BENCH_DATABASE>_catalogue`), titles as the order search's data set makes them and an author
each, a Korean name from a fixed seed. Each search runs as the API runs it (the read store's
`product_id_page`, a page of 50 through SQLAlchemy and asyncpg), a different value each time.
A round runs `--queries` searches of every case with the author's index and without it (the
index dropped, then built again), each on connections of its own; which goes first swaps from
one round to the next, so that whatever else the machine does, and whatever one leaves to the
other, weighs on both alike. Prints each case's p50 and p99 with and without (the median
over the rounds, with the lowest and highest round) and how long the index took to build, then
the plan of one search of each case with the index, as it ran."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.command_line import search_rounds
from bench.dataset import built_label
from bench.environment import DATABASE_NAME, database_url
from bench.report import heading, percentile, say
from bench.search_dataset import PRODUCT_COLUMNS, SURNAMES, SYLLABLES, TITLE_WORDS, isbn, title
from bench.services import connect, prepare_database
from infrastructure.cache.guarded import MemoryGuardedCache
from infrastructure.cache.products import ProductCache
from infrastructure.database.engine import create_engine
from infrastructure.database.read_store import SqlReadStore

CATALOGUE_DATABASE = f"{DATABASE_NAME}_catalogue"
CATALOGUE_DATABASE_URL = database_url(CATALOGUE_DATABASE)
PAGE = 50
SEED = 18
AUTHOR_INDEX = "ix_product_author_trgm"
AUTHOR_INDEX_DEFINITION = f"CREATE INDEX {AUTHOR_INDEX} ON product USING gin (author gin_trgm_ops)"


def author(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(SYLLABLES, k=2))


def books(count: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    for book in range(1, count + 1):
        yield (book, isbn(book), title(book), author(rng), None, 15_000, "KRW", now, now)


@dataclass(frozen=True)
class Case:
    name: str
    search: Callable[[random.Random], str]


CASES = (
    Case("an author's whole name (3 syllables)", author),
    Case("a word of a title", lambda rng: rng.choice(TITLE_WORDS)),
    Case("two words of a title", lambda rng: " ".join(rng.sample(TITLE_WORDS, 2))),
    Case("nothing has it (4 letters)", lambda rng: "".join(rng.choices("쿼퓨퀴튜", k=4))),
)


async def _prepare(count: int) -> None:
    await prepare_database(CATALOGUE_DATABASE)
    label = f"{count} books"
    async with connect(CATALOGUE_DATABASE_URL) as conn:
        if await built_label(conn, CATALOGUE_DATABASE) == label:
            say(f"already built: {label}")
            return
        started = time.monotonic()
        async with conn.transaction():
            await conn.execute("TRUNCATE product CASCADE")
            await conn.copy_records_to_table(
                "product", records=books(count), columns=PRODUCT_COLUMNS
            )
            await conn.execute("SELECT setval(pg_get_serial_sequence('product', 'id'), $1)", count)
            await conn.execute(f"COMMENT ON DATABASE \"{CATALOGUE_DATABASE}\" IS '{label}'")
        await conn.execute("VACUUM ANALYZE product")
        say(f"built {label} in {time.monotonic() - started:.0f} s")


async def _author_index(indexed: bool) -> float | None:
    """Drop the author's index and, when `indexed`, build it again: the seconds the build took
    (as long as migration 0018 holds writes to `product` on this catalogue)."""
    async with connect(CATALOGUE_DATABASE_URL) as conn:
        await conn.execute(f"DROP INDEX IF EXISTS {AUTHOR_INDEX}")
        built = None
        if indexed:
            started = time.perf_counter()
            await conn.execute(AUTHOR_INDEX_DEFINITION)
            built = time.perf_counter() - started
        await conn.execute("ANALYZE product")
        return built


async def _round(
    store: SqlReadStore, queries: int, rng: random.Random
) -> dict[str, tuple[float, float]]:
    figures = {}
    for case in CASES:
        timings = []
        for _ in range(queries):
            search = case.search(rng)
            started = time.perf_counter()
            await store.product_id_page(first=PAGE, after=None, search=search)
            timings.append((time.perf_counter() - started) * 1000)
        figures[case.name] = (percentile(timings, 0.5), percentile(timings, 0.99))
    return figures


async def _plan(engine: AsyncEngine, store: SqlReadStore, search: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the statement the store sends for `search`."""
    sent: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await store.product_id_page(first=PAGE, after=None, search=search)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    [(statement, parameters)] = sent
    async with engine.connect() as conn:
        rows = await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
        return "\n".join(row[0] for row in rows)


def _line(name: str, rounds: list[dict[str, tuple[float, float]]]) -> str:
    p50s = [r[name][0] for r in rounds]
    p99s = [r[name][1] for r in rounds]
    return (
        f"p50 {statistics.median(p50s):8.2f} ms ({min(p50s):.2f}-{max(p50s):.2f})  "
        f"p99 {statistics.median(p99s):8.2f} ms ({min(p99s):.2f}-{max(p99s):.2f})"
    )


def _store(engine: AsyncEngine) -> SqlReadStore:
    return SqlReadStore(engine, ProductCache(MemoryGuardedCache(ttl=60)))


async def _timed_round(queries: int, rng: random.Random) -> dict[str, Any]:
    """A round on connections of its own: PostgreSQL keeps a prepared statement's choice of a
    generic plan across the index's drop and build, and a plan chosen while every search read
    every book would follow the next round."""
    engine = create_engine(CATALOGUE_DATABASE_URL)
    try:
        store = _store(engine)
        await _round(store, 3, rng)  # warm-up: connections, plans, pages
        return await _round(store, queries, rng)
    finally:
        await engine.dispose()


async def run(*, count: int, rounds: int, queries: int) -> None:
    await _prepare(count)
    results: dict[bool, list[dict[str, tuple[float, float]]]] = {True: [], False: []}
    builds: list[float] = []
    rng = random.Random(SEED)
    for n in range(rounds):
        for indexed in (True, False) if n % 2 == 0 else (False, True):
            if (built := await _author_index(indexed)) is not None:
                builds.append(built)
            results[indexed].append(await _timed_round(queries, rng))
    await _author_index(True)
    engine = create_engine(CATALOGUE_DATABASE_URL)
    store = _store(engine)
    try:
        heading(f"catalogue search, {count} books, page of {PAGE}: {rounds} rounds in turns")
        for case in CASES:
            say(f"  {case.name}")
            say(f"    author indexed      {_line(case.name, results[True])}")
            say(f"    author not indexed  {_line(case.name, results[False])}")
        say(
            f"  the author's index built in {statistics.median(builds):.2f} s "
            f"({min(builds):.2f}-{max(builds):.2f}): how long migration 0018 holds writes to "
            "product on this catalogue"
        )
        for case in CASES:
            search = case.search(rng)
            heading(f"EXPLAIN (ANALYZE, BUFFERS), author indexed: {case.name}: {search!r}")
            say(await _plan(engine, store, search))
    finally:
        await engine.dispose()


def main() -> None:
    parser = search_rounds(__doc__, queries=50)
    parser.add_argument("--books", type=int, default=200_000)
    args = parser.parse_args()
    asyncio.run(run(count=args.books, rounds=args.rounds, queries=args.queries))


if __name__ == "__main__":
    main()
