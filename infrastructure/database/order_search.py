"""Customer service's order search, on the indexes of migrations 0005, 0011 and 0016.

On PostgreSQL each selective criterion has an index: the order number its unique index, the
member (member_id, created_at, id), the whole recipient name (recipient, created_at, id), the
phone the expression index on its digits, a part of the recipient the trigram index of the
distinct names (`recipient_name`) then the whole names' (recipient, created_at, id), an ISBN the
product's unique ISBN then order_item (product_id, order_created_at, order_id), a title the
product title's trigram index then the same. SQLite has no trigram index: parts of names and
titles are found by scanning (docs/DECISIONS.md). The planner picks, among these and the walk
backwards along (created_at, id), from its estimates (docs/BENCHMARKS.md, "Order search"); a
search by one book and dates reads the books' ids first, and a search by a part of a name,
statuses and dates the whole names first, then takes the page from the lines' or the orders'
index in page order (`search_statement`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    String,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.selectable import NamedFromClause

from domain.order import Order
from domain.order_search import OrderSearch
from domain.paging import OrderPosition, Page
from infrastructure.database.mapping import order_from_row
from infrastructure.database.tables import (
    order_item_table,
    order_phone_digits,
    order_table,
    product_table,
    recipient_name_table,
)

_orders = order_table.c
_lines = order_item_table.c
_products = product_table.c
_names = recipient_name_table.c


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
MANY_NAMES = 300
"""Likewise a part of a name matching more whole names than this (a syllable common in given
names, in a shop of many more names than the bench's)."""


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
    book_ids: list[int], lines: list[ColumnElement[bool]], *, first: int, dialect: str
) -> Select[Any]:
    """The page of a search by one book criterion (and dates): the ids of the newest orders
    with a line of one of these books, from `order_item (product_id, order_created_at,
    order_id)`, then those orders only."""
    books = select(_products.id).where(_products.id.in_(book_ids)).subquery("books")
    rows = select(_lines.order_id, _lines.order_created_at)
    return _newest_per_key(
        rows, lines, _lines.product_id, book_ids, books, first=first, dialect=dialect
    )


def _by_names(
    names: list[str],
    search: OrderSearch,
    after: OrderPosition | None,
    *,
    first: int,
    dialect: str,
) -> Select[Any]:
    """The page of a search by a part of the recipient's name (and statuses and dates): the
    ids of the newest orders of these whole names that meet the other criteria, from
    `orders (recipient, created_at, id)`, then those orders only.

    On PostgreSQL the names come as one array parameter (`unnest`), whatever their number:
    read again from `recipient_name`, the planner may take its trigram index for the
    equality. The column is named in the alias (`names(name)`): `names.name` on an unnamed
    one is PostgreSQL's cast of the row to its `name` type, cut at 63 bytes. The names are
    those whose whole name contains the part, so `recipient = name` keeps exactly the orders
    `recipient ILIKE part` keeps."""
    conditions = search_conditions(replace(search, recipient=None), [])
    if after is not None:
        conditions.append(tuple_(_orders.created_at, _orders.id) < tuple_(*after))
    named = (
        func.unnest(literal(names, ARRAY(String))).table_valued("name").render_derived(name="names")
    )
    rows = select(_orders.id, _orders.created_at)
    return _newest_per_key(
        rows, conditions, _orders.recipient, names, named, first=first, dialect=dialect
    )


def _newest_per_key(
    rows: Select[Any],
    conditions: list[ColumnElement[bool]],
    key: ColumnElement[Any],
    keys: list[Any],
    keys_on_postgresql: NamedFromClause,
    *,
    first: int,
    dialect: str,
) -> Select[Any]:
    """The page among the `rows` (an order's id and its created_at) whose `key` is one of `keys`
    and that meet `conditions`, from an index on (key, created_at, id).

    On PostgreSQL each key gives only its own `first + 1` newest rows (a LATERAL subquery over
    `keys_on_postgresql`, a one-column relation of the keys; SQLite lacks LATERAL and reads
    every row of the keys from the index): an order among the newest `first + 1` has fewer
    newer orders than that, so its row is among its key's."""
    order_id, created_at = rows.selected_columns
    if dialect == "postgresql":
        per_key = (
            rows.where(key == keys_on_postgresql.c[0], *conditions)
            .order_by(created_at.desc(), order_id.desc())
            .limit(first + 1)
            .lateral("per_key")
        )
        found = select(per_key).select_from(keys_on_postgresql.join(per_key, true()))
    else:
        found = rows.where(key.in_(keys), *conditions)
    return _newest_among(found, first=first)


def _newest_among(found: Select[Any], *, first: int) -> Select[Any]:
    """The page among the orders whose (id, created_at) `found` gives, each once: the newest
    `first + 1` ids, then those orders only."""
    newest = found.subquery("found")
    order_id, created_at = newest.c
    picked = (
        select(newest)
        .distinct()
        .order_by(created_at.desc(), order_id.desc())
        .limit(first + 1)
        .subquery("picked")
    )
    return _newest_first(select(order_table).where(_orders.id.in_(select(picked.c[0]))), first)


async def search_statement(
    conn: AsyncConnection, search: OrderSearch, *, first: int, after: OrderPosition | None
) -> Select[Any]:
    """The page's statement: one more row than the page, to tell whether another follows.

    A search by one book criterion, with dates or none, first reads which books it means (at
    most MANY_BOOKS + 1 ids, from the ISBN's or the title's index), then picks the page's
    orders from the lines' index and reads only those. Any other criterion with it filters the
    orders, so the lines cannot be cut to a page before the orders are read; and so does a
    title matching more than MANY_BOOKS books. A search by a part of a name, with statuses
    and dates or none, likewise first reads which whole names it means (at most
    MANY_NAMES + 1), then picks the page from each name's newest orders."""
    lines = _on_lines(search, after)
    dialect = conn.dialect.name
    books = books_statement(search)
    if books is not None:
        book_ids = list((await conn.execute(books)).scalars())
        if len(book_ids) <= MANY_BOOKS:
            return _by_lines(book_ids, lines, first=first, dialect=dialect)
    names = names_statement(search)
    if names is not None:
        found = list((await conn.execute(names)).scalars())
        if len(found) <= MANY_NAMES:
            return _by_names(found, search, after, first=first, dialect=dialect)
    return _filtered(search, lines, first=first, after=after)


def books_statement(search: OrderSearch) -> Select[Any] | None:
    """The ids of the books a search by one book criterion and dates means, at most
    MANY_BOOKS + 1 of them; None for any other search."""
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
        return None
    return select(_products.id).where(book).limit(MANY_BOOKS + 1)


def names_statement(search: OrderSearch) -> Select[Any] | None:
    """The whole names a search by a part of the recipient's name, statuses and dates means,
    at most MANY_NAMES + 1 of them; None for any other search (another criterion beside the
    part drives the search from its own index)."""
    only_statuses_and_dates = not (
        search.number
        or search.member_id
        or search.recipient_name
        or search.phone
        or search.isbn
        or search.title
    )
    if search.recipient is None or not only_statuses_and_dates:
        return None
    # The bound is written into the statement, not sent as a parameter: after five runs of a
    # prepared statement PostgreSQL may keep a generic plan, and with a LIMIT it cannot see it
    # takes a 10th of the rows, so scanning every name with ILIKE looks cheaper than the
    # trigram index (2.5 ms against 0.07 for a full name, idle; 10 ms and more under load).
    bound = literal_column(str(MANY_NAMES + 1), Integer)
    return select(_names.name).where(_contains(_names.name, search.recipient)).limit(bound)


async def search_orders(
    engine: AsyncEngine, search: OrderSearch, *, first: int, after: OrderPosition | None
) -> Page[Order]:
    """One page of the orders that meet every criterion, newest first."""
    async with engine.connect() as conn:
        statement = await search_statement(conn, search, first=first, after=after)
        rows = (await conn.execute(statement)).all()
    return Page(items=[order_from_row(r) for r in rows[:first]], has_next=len(rows) > first)
