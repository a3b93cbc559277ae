"""Customer service's order search in one statement, on the indexes of migration 0005.

On PostgreSQL each selective criterion has an index: the order number its unique index, the
member (member_id, created_at, id), the phone the expression index on its digits, the recipient
a trigram index, an ISBN the product's unique ISBN then order_item (product_id, order_id), a
title the product title's trigram index then the same. SQLite has no trigram index: names and
titles are found by scanning (docs/DECISIONS.md). The planner picks, among these and the walk
backwards along (created_at, id), from its estimates (docs/BENCHMARKS.md, "Order search").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.order import Order
from domain.order_search import OrderSearch
from domain.paging import OrderPosition, Page
from infrastructure.database.mapping import order_from_row
from infrastructure.database.tables import (
    order_item_table,
    order_phone_digits,
    order_table,
    product_table,
)

_orders = order_table.c
_lines = order_item_table.c
_products = product_table.c


def escape_like(text: str) -> str:
    """`text` as a LIKE pattern matching itself (backslash escapes)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    return column.ilike(f"%{escape_like(text)}%", escape="\\")


def _with_a_book(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Orders with a line whose book meets `condition`."""
    return _orders.id.in_(
        select(_lines.order_id)
        .join(product_table, _products.id == _lines.product_id)
        .where(condition)
    )


def search_conditions(search: OrderSearch) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if search.number is not None:
        conditions.append(_orders.number == search.number)
    if search.member_id is not None:
        conditions.append(_orders.member_id == search.member_id)
    if search.recipient is not None:
        conditions.append(_contains(_orders.recipient, search.recipient))
    if search.phone is not None:
        conditions.append(order_phone_digits == search.phone)
    if search.isbn is not None:
        conditions.append(_with_a_book(_products.isbn == search.isbn))
    if search.title is not None:
        conditions.append(_with_a_book(_contains(_products.title, search.title)))
    if search.statuses:
        conditions.append(_orders.status.in_([s.value for s in search.statuses]))
    if search.created_after is not None:
        conditions.append(_orders.created_at > search.created_after)
    if search.created_before is not None:
        conditions.append(_orders.created_at < search.created_before)
    return conditions


def search_statement(
    search: OrderSearch, *, first: int, after: OrderPosition | None
) -> Select[Any]:
    """The page's statement: one more row than the page, to tell whether another follows."""
    stmt = select(order_table).where(*search_conditions(search))
    if after is not None:
        stmt = stmt.where(tuple_(_orders.created_at, _orders.id) < tuple_(*after))
    return stmt.order_by(_orders.created_at.desc(), _orders.id.desc()).limit(first + 1)


async def search_orders(
    engine: AsyncEngine, search: OrderSearch, *, first: int, after: OrderPosition | None
) -> Page[Order]:
    """One page of the orders that meet every criterion, newest first."""
    async with engine.connect() as conn:
        result = await conn.execute(search_statement(search, first=first, after=after))
        rows = result.all()
    return Page(items=[order_from_row(r) for r in rows[:first]], has_next=len(rows) > first)
