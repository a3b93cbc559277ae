"""Customer service's order search in one statement, on the indexes of migrations 0005 and 0011.

On PostgreSQL each selective criterion has an index: the order number its unique index, the
member (member_id, created_at, id), the whole recipient name (recipient, created_at, id), the
phone the expression index on its digits, a part of the recipient a trigram index, an ISBN the
product's unique ISBN then order_item (product_id, order_created_at, order_id), a title the
product title's trigram index then the same. SQLite has no trigram index: parts of names and
titles are found by scanning (docs/DECISIONS.md). The planner picks, among these and the walk
backwards along (created_at, id), from its estimates (docs/BENCHMARKS.md, "Order search"); a
search by one book and dates is written so that the page comes from the lines' index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true, tuple_, union_all
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


def _with_a_book(
    condition: ColumnElement[bool], lines: list[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Orders with a line whose book meets `condition` (and whose copy of its order's time
    meets `lines`)."""
    return _orders.id.in_(
        select(_lines.order_id)
        .join(product_table, _products.id == _lines.product_id)
        .where(condition, *lines)
    )


def _book_condition(search: OrderSearch) -> ColumnElement[bool] | None:
    """The one condition on a book, when the search asks for one book criterion (an order
    with the ISBN and the title may have them on two lines, hence one)."""
    if search.isbn is not None and search.title is None:
        return _products.isbn == search.isbn
    if search.title is not None and search.isbn is None:
        return _contains(_products.title, search.title)
    return None


def _on_lines(search: OrderSearch, after: OrderPosition | None) -> list[ColumnElement[bool]]:
    """The dates and the page's position, on the lines' copy of their order's `created_at`."""
    conditions: list[ColumnElement[bool]] = []
    if search.created_after is not None:
        conditions.append(_lines.order_created_at > search.created_after)
    if search.created_before is not None:
        conditions.append(_lines.order_created_at < search.created_before)
    if after is not None:
        conditions.append(tuple_(_lines.order_created_at, _lines.order_id) < tuple_(*after))
    return conditions


def search_conditions(
    search: OrderSearch, lines: list[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """Every criterion as a condition on `orders`; `lines` narrows the lines a book criterion
    looks at (the dates and the page's position, on their copy of the order's time)."""
    conditions: list[ColumnElement[bool]] = []
    if search.number is not None:
        conditions.append(_orders.number == search.number)
    if search.member_id is not None:
        conditions.append(_orders.member_id == search.member_id)
    if search.recipient is not None:
        conditions.append(_contains(_orders.recipient, search.recipient))
    if search.recipient_name is not None:
        conditions.append(_orders.recipient == search.recipient_name)
    if search.phone is not None:
        conditions.append(order_phone_digits == search.phone)
    if search.isbn is not None:
        conditions.append(_with_a_book(_products.isbn == search.isbn, lines))
    if search.title is not None:
        conditions.append(_with_a_book(_contains(_products.title, search.title), lines))
    if search.statuses:
        conditions.append(_orders.status.in_([s.value for s in search.statuses]))
    if search.created_after is not None:
        conditions.append(_orders.created_at > search.created_after)
    if search.created_before is not None:
        conditions.append(_orders.created_at < search.created_before)
    return conditions


MANY_BOOKS = 300
"""A title matching more books than this is common enough that walking back along the orders'
(created_at, id) meets a page of them sooner than reading each book's newest lines would."""


def _filtered(
    search: OrderSearch,
    lines: list[ColumnElement[bool]],
    *,
    first: int,
    after: OrderPosition | None,
) -> Select[Any]:
    """The page as a filter on the orders, for the planner to drive from whichever index."""
    stmt = select(order_table).where(*search_conditions(search, lines))
    if after is not None:
        stmt = stmt.where(tuple_(_orders.created_at, _orders.id) < tuple_(*after))
    return _newest_first(stmt, first)


def _newest_first(stmt: Select[Any], first: int) -> Select[Any]:
    columns = stmt.selected_columns
    return stmt.order_by(columns.created_at.desc(), columns.id.desc()).limit(first + 1)


def _by_lines(
    search: OrderSearch,
    book: ColumnElement[bool],
    lines: list[ColumnElement[bool]],
    *,
    first: int,
    after: OrderPosition | None,
) -> Select[Any]:
    """The page of a search by one book (and dates): the ids of the newest orders with a line
    of a book meeting `book`, from `order_item (product_id, order_created_at, order_id)`, then
    those orders only.

    On PostgreSQL each book gives only its own `first + 1` newest lines (a LATERAL subquery,
    which SQLite lacks): an order among the newest `first + 1` has fewer newer orders than
    that, so its line is among its book's. When more than MANY_BOOKS books match, the statement
    walks the orders instead; the count is a one-time filter, so only one branch runs."""
    limit = first + 1
    newest = _lines.order_created_at.desc(), _lines.order_id.desc()
    books = select(_products.id).where(book).limit(MANY_BOOKS + 1).cte("books")
    few = select(func.count()).select_from(books).scalar_subquery() <= MANY_BOOKS
    per_book = (
        select(_lines.order_id, _lines.order_created_at)
        .where(_lines.product_id == books.c.id, *lines)
        .order_by(*newest)
        .limit(limit)
        .lateral("per_book")
    )
    picked = (
        select(per_book.c.order_id, per_book.c.order_created_at)
        .select_from(books.join(per_book, true()))
        .distinct()
        .order_by(per_book.c.order_created_at.desc(), per_book.c.order_id.desc())
        .limit(limit)
        .subquery("picked")
    )
    from_lines = select(order_table).where(few, _orders.id.in_(select(picked.c.order_id)))
    walked = _filtered(search, lines, first=first, after=after).where(~few).subquery("walked")
    found = union_all(from_lines, select(walked)).subquery("found")
    return _newest_first(select(found), first)


def _by_lines_sqlite(
    book: ColumnElement[bool], lines: list[ColumnElement[bool]], *, first: int
) -> Select[Any]:
    """SQLite's form of `_by_lines`: every matching line from the index, the newest kept."""
    picked = (
        select(_lines.order_id, _lines.order_created_at)
        .join(product_table, _products.id == _lines.product_id)
        .where(book, *lines)
        .distinct()
        .order_by(_lines.order_created_at.desc(), _lines.order_id.desc())
        .limit(first + 1)
        .subquery("picked")
    )
    return _newest_first(
        select(order_table).where(_orders.id.in_(select(picked.c.order_id))), first
    )


def search_statement(
    search: OrderSearch, *, first: int, after: OrderPosition | None, dialect: str
) -> Select[Any]:
    """The page's statement: one more row than the page, to tell whether another follows.

    A search by one book criterion, with dates or none, picks the page's orders from the
    lines' index first and reads only those orders; any other criterion with it filters the
    orders, so the lines cannot be cut to a page before the orders are read."""
    lines = _on_lines(search, after)
    book = _book_condition(search)
    only_books_and_dates = not (
        search.number
        or search.member_id
        or search.recipient
        or search.recipient_name
        or search.phone
        or search.statuses
    )
    if book is None or not only_books_and_dates:
        return _filtered(search, lines, first=first, after=after)
    if dialect == "postgresql":
        return _by_lines(search, book, lines, first=first, after=after)
    return _by_lines_sqlite(book, lines, first=first)


async def search_orders(
    engine: AsyncEngine, search: OrderSearch, *, first: int, after: OrderPosition | None
) -> Page[Order]:
    """One page of the orders that meet every criterion, newest first."""
    async with engine.connect() as conn:
        statement = search_statement(search, first=first, after=after, dialect=engine.dialect.name)
        result = await conn.execute(statement)
        rows = result.all()
    return Page(items=[order_from_row(r) for r in rows[:first]], has_next=len(rows) > first)
