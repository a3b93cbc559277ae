"""The catalogue's search by a part of a title or of an author is answered from the two trigram
indexes on PostgreSQL (migration 0018), not by reading every book: the plan of the statement
the read store sends holds both indexes. Whether the planner picks them for a given catalogue is
its own choice; with sequential and plain index scans priced out, a plan can only read the
books through indexes that cover both sides of the OR, so without the author's index it could
not (`python -m bench.catalogue_search` times it on 200,000 books)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, text

from infrastructure.cache.guarded import MemoryGuardedCache
from infrastructure.cache.products import ProductCache
from infrastructure.database.engine import create_engine
from infrastructure.database.read_store import SqlReadStore
from infrastructure.database.tables import product_table
from tests.conftest import own_database
from tests.support.factories import random_isbn

AUTHORS = ("한강", "김영하", "정유정", "황석영", "신경숙", "박완서", "이문열", "조정래")


async def test_a_search_of_the_catalogue_reads_the_title_and_author_indexes(run_id: str) -> None:
    async with own_database(f"orders_test_{run_id}_catalogue_plan") as url:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    insert(product_table),
                    [
                        {
                            "isbn": random_isbn(),
                            "title": f"소설 {n}권",
                            "author": AUTHORS[n % len(AUTHORS)],
                            "price": 15_000,
                            "currency": "KRW",
                        }
                        for n in range(500)
                    ],
                )
                await conn.execute(text("ANALYZE product"))

            sent: list[tuple[str, Any]] = []

            def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
                sent.append((statement, parameters))

            store = SqlReadStore(engine, ProductCache(MemoryGuardedCache(ttl=60)))
            event.listen(engine.sync_engine, "before_cursor_execute", record)
            try:
                page = await store.product_id_page(first=20, after=None, search="경숙")
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", record)
            assert len(page.items) == 20  # the search itself still finds the books
            [(statement, parameters)] = sent

            async with engine.connect() as conn:
                await conn.execute(text("SET enable_seqscan = off"))
                await conn.execute(text("SET enable_indexscan = off"))
                plan = (await conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)).all()
            shown = "\n".join(row[0] for row in plan)
            assert "BitmapOr" in shown, shown
            assert "ix_product_title_trgm" in shown, shown
            assert "ix_product_author_trgm" in shown, shown
        finally:
            await engine.dispose()
