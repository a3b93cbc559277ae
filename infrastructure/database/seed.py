"""Loads the demo catalogue. Idempotent: books already present (by ISBN) are left as they are."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from infrastructure.database.demo_catalogue import demo_catalogue
from infrastructure.database.tables import product_table, stock_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_on_conflict


async def seed_demo_catalogue(engine: AsyncEngine) -> int:
    """Insert the books that are missing, with their stock; return how many were added."""
    books = demo_catalogue()
    now = utc_now()
    async with engine.begin() as conn:
        existing = set((await conn.execute(select(product_table.c.isbn))).scalars().all())
        missing = [book for book in books if book.isbn not in existing]
        if not missing:
            return 0
        await conn.execute(
            insert_on_conflict(conn, product_table).on_conflict_do_nothing(
                index_elements=[product_table.c.isbn]
            ),
            [
                {
                    "isbn": book.isbn,
                    "title": book.title,
                    "author": book.author,
                    "publisher": book.publisher,
                    "price": book.price,
                    "discount_rate": book.discount_rate,
                    "points_rate": book.points_rate,
                    "currency": "KRW",
                    "created_at": now,
                    "updated_at": now,
                }
                for book in missing
            ],
        )
        added = await conn.execute(
            select(product_table.c.isbn, product_table.c.id).where(
                product_table.c.isbn.in_([book.isbn for book in missing])
            )
        )
        ids = dict(added.all())
        await conn.execute(
            insert_on_conflict(conn, stock_table).on_conflict_do_nothing(
                index_elements=[stock_table.c.product_id]
            ),
            [
                {
                    "product_id": ids[book.isbn],
                    "available": book.stock,
                    "reserved": 0,
                    "updated_at": now,
                }
                for book in missing
            ],
        )
    return len(missing)
