from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.commands import CreateProduct
from domain.pricing import BookPrice, BookRates
from infrastructure.database.tables import product_table, stock_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_on_conflict

_PRICES = select(
    product_table.c.id,
    product_table.c.price,
    product_table.c.discount_rate,
    product_table.c.points_rate,
).where(product_table.c.id.in_(bindparam("ids", expanding=True)))


def book_price(row: Any) -> BookPrice:
    """A product row's list price (`price`) with its rates."""
    return BookPrice(row.price, BookRates(row.discount_rate, row.points_rate))


class SqlCatalogueRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def prices(self, product_ids: Sequence[int]) -> dict[int, BookPrice]:
        rows = await self._conn.execute(_PRICES, {"ids": list(product_ids)})
        return {row.id: book_price(row) for row in rows}

    async def titles(self, product_ids: Sequence[int]) -> dict[int, str]:
        stmt = select(product_table.c.id, product_table.c.title).where(
            product_table.c.id.in_(product_ids)
        )
        return {row.id: row.title for row in await self._conn.execute(stmt)}

    async def add_product(self, command: CreateProduct) -> int | None:
        now = utc_now()
        stmt = (
            insert_on_conflict(self._conn, product_table)
            .values(
                isbn=command.isbn,
                title=command.title.strip(),
                author=command.author.strip(),
                publisher=command.publisher.strip() if command.publisher else None,
                price=command.price,
                discount_rate=command.rates.discount,
                points_rate=command.rates.points,
                currency="KRW",
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[product_table.c.isbn])
            .returning(product_table.c.id)
        )
        product_id = (await self._conn.execute(stmt)).scalar_one_or_none()
        if product_id is None:
            return None
        await self._conn.execute(
            insert(stock_table).values(
                product_id=product_id, available=command.initial_stock, reserved=0, updated_at=now
            )
        )
        return int(product_id)

    async def set_rates(self, product_id: int, rates: BookRates) -> bool:
        stmt = (
            update(product_table)
            .where(product_table.c.id == product_id)
            .values(discount_rate=rates.discount, points_rate=rates.points, updated_at=utc_now())
        )
        return bool((await self._conn.execute(stmt)).rowcount == 1)

    async def adjust_available(self, product_id: int, delta: int) -> bool:
        stmt = (
            update(stock_table)
            .where(stock_table.c.product_id == product_id, stock_table.c.available + delta >= 0)
            .values(available=stock_table.c.available + delta, updated_at=utc_now())
        )
        return bool((await self._conn.execute(stmt)).rowcount == 1)
