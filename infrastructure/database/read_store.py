"""The read path's SQL: each method is one statement, batched over many keys.

Methods return domain objects, so DataLoaders can call them once per level of a GraphQL tree
whatever the page size. Products go through the cache first; only misses reach the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    Column,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from domain.catalogue import Product
from domain.delivery import Delivery, DeliveryEvent
from domain.member import Member
from domain.order import Order, OrderEvent, OrderItem, OrderSnapshot
from domain.order_return import OrderReturn, ReturnScan
from domain.order_search import OrderSearch
from domain.paging import OrderCriteria, OrderPosition, Page
from domain.payment import Payment, PaymentEvent
from domain.points import PointsEntry
from domain.status import OrderStatus
from infrastructure.cache.products import ProductCache
from infrastructure.database.driver_reads import DriverReads, DriverStatement
from infrastructure.database.engine import single_statements
from infrastructure.database.mapping import (
    delivery_event_from_row,
    delivery_from_row,
    member_from_row,
    order_event_from_row,
    order_from_row,
    order_item_from_row,
    order_return_from_row,
    payment_event_from_row,
    payment_from_row,
    points_entry_from_row,
    product_from_row,
    return_scan_from_row,
)
from infrastructure.database.order_search import escape_like, search_orders
from infrastructure.database.tables import (
    delivery_event_table,
    delivery_table,
    member_table,
    order_event_table,
    order_item_table,
    order_return_table,
    order_table,
    payment_event_table,
    payment_table,
    points_entry_table,
    product_table,
    return_scan_table,
    stock_table,
)

T = TypeVar("T")


def _product_search(search: str | None) -> ColumnElement[bool]:
    if not search:
        return and_(True)
    pattern = f"%{escape_like(search)}%"
    return or_(
        product_table.c.title.ilike(pattern, escape="\\"),
        product_table.c.author.ilike(pattern, escape="\\"),
    )


def _product_id_page(search: str | None, after: int | BindParameter[int] | None) -> Select[Any]:
    stmt = select(product_table.c.id).where(_product_search(search))
    if after is not None:
        stmt = stmt.where(product_table.c.id > after)
    return stmt.order_by(product_table.c.id)


def _product_count(search: str | None) -> Select[Any]:
    return select(func.count()).select_from(product_table).where(_product_search(search))


def _order_count(conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return select(func.count()).select_from(order_table).where(*conditions)


def _order_page(conditions: Sequence[ColumnElement[bool]], limit: Any) -> Select[Any]:
    """Orders meeting the conditions, newest first, at most `limit` (a number or a parameter)."""
    return (
        select(order_table)
        .where(*conditions)
        .order_by(order_table.c.created_at.desc(), order_table.c.id.desc())
        .limit(limit)
    )


def _order_conditions(criteria: OrderCriteria) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.member_id is not None:
        conditions.append(order_table.c.member_id == criteria.member_id)
    if criteria.statuses:
        conditions.append(order_table.c.status.in_([s.value for s in criteria.statuses]))
    if criteria.created_after is not None:
        conditions.append(order_table.c.created_at > criteria.created_after)
    if criteria.created_before is not None:
        conditions.append(order_table.c.created_at < criteria.created_before)
    return conditions


def _only_a_member(criteria: OrderCriteria) -> bool:
    """One member's orders and no other condition: compared with the criteria of the member
    alone, so that a condition added to `OrderCriteria` one day cannot be passed over by the
    statements built for this case alone."""
    return criteria.member_id is not None and criteria == OrderCriteria(criteria.member_id)


def _one_of_keys(column: ColumnElement[Any], dialect: str) -> ColumnElement[bool]:
    """`column` among the `keys` parameter. On PostgreSQL `= ANY(:keys)`, one array parameter:
    the same SQL text whatever the number of keys, where an expanding IN is rendered again for
    each count (about half the CPU time of such a read)."""
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(column.type)))
    return column.in_(bindparam("keys", expanding=True))


class _Read(NamedTuple):
    """A read built once: its statement, and the same compiled for asyncpg when it can go so."""

    stmt: Select[Any]
    driver: DriverStatement | None


class SqlReadStore:
    def __init__(self, engine: AsyncEngine, products: ProductCache) -> None:
        # every read is one statement on a connection of its own: auto-committed, it is one
        # round trip instead of three (BEGIN, the statement, and the ROLLBACK at check-in)
        self._engine = single_statements(engine)
        self._products = products
        self._dialect = engine.dialect
        self._by_keys: dict[tuple[Column[Any], bool], _Read] = {}
        """The reads by keys, each built once, its keys a parameter."""
        through_asyncpg = self._dialect.name == "postgresql" and self._dialect.driver == "asyncpg"
        self._driver = DriverReads(engine) if through_asyncpg else None
        self._products_by_ids = self._read(
            select(product_table, stock_table.c.available, stock_table.c.reserved)
            .outerjoin(stock_table, stock_table.c.product_id == product_table.c.id)
            .where(_one_of_keys(product_table.c.id, self._dialect.name))
        )
        of_the_member = [order_table.c.member_id == bindparam("member_id")]
        self._member_first_page = self._read(
            _order_page(of_the_member, bindparam("limit", type_=Integer))
        )
        """A member's first page of orders and no other condition: a customer's `orders`, the
        same SQL as `order_page` builds for it."""
        self._unsearched_product_id_pages = {
            after: self._read(
                _product_id_page(None, bindparam("after") if after else None).limit(
                    bindparam("limit", type_=Integer)
                )
            )
            for after in (False, True)
        }
        """The pages of product ids without a search (the catalogue's `products`), by whether
        they start after an id; a search's stays with SQLAlchemy, built per call."""
        self._member_order_count = self._read(_order_count(of_the_member))
        self._product_count = self._read(_product_count(None))
        """The `totalCount`s of a customer's orders and of the catalogue without a search."""

    def _read(self, stmt: Select[Any]) -> _Read:
        """On PostgreSQL the read through asyncpg (`driver_reads.py`: the reads by keys, a
        member's first page of orders and their count, the pages of product ids without a
        search and their count), where its values allow it."""
        driver = DriverStatement.of(stmt, self._dialect) if self._driver is not None else None
        return _Read(stmt, driver)

    async def _execute(
        self, stmt: Executable, parameters: dict[str, Any] | None = None
    ) -> Sequence[Row[*tuple[Any, ...]]]:
        async with self._engine.connect() as conn:
            return (await conn.execute(stmt, parameters)).all()

    async def _fetch(self, read: _Read, parameters: dict[str, Any]) -> Sequence[Any]:
        if read.driver is not None and self._driver is not None:
            return await self._driver.fetch(read.driver, parameters)
        return await self._execute(read.stmt, parameters)

    async def _rows_with(
        self, key: Column[Any], keys: Sequence[Any], of_row: Callable[[Any], T], *, by_id: bool
    ) -> list[T]:
        """Every row of the key's table whose key is among these, as domain objects; in id order
        (the order they were written) when `by_id`."""
        read = self._by_keys.get((key, by_id))
        if read is None:
            table = key.table
            stmt = select(table).where(_one_of_keys(key, self._dialect.name))
            if by_id:
                stmt = stmt.order_by(table.c.id)
            read = self._by_keys[(key, by_id)] = self._read(stmt)
        return [of_row(row) for row in await self._fetch(read, {"keys": list(keys)})]

    async def products_by_ids(self, ids: Sequence[int]) -> list[Product]:
        """Cached products first; the misses in one statement, then written back (unless one of
        them changed meanwhile: `infrastructure/cache/guarded.py`)."""
        found, missing, mark = await self._products.get_many(ids)
        if missing:
            rows = await self._fetch(self._products_by_ids, {"keys": list(missing)})
            loaded = [product_from_row(row) for row in rows]
            if mark is not None:
                await self._products.put_many(loaded, since=mark)
            found.extend(loaded)
        return found

    async def forget_products(self, ids: Sequence[int]) -> None:
        """Drop cached products; call after their row or their stock changed."""
        await self._products.forget(ids)

    async def product_id_by_isbn(self, isbn: str) -> int | None:
        stmt = select(product_table.c.id).where(product_table.c.isbn == isbn)
        rows = await self._execute(stmt)
        return int(rows[0][0]) if rows else None

    async def product_id_page(
        self, *, first: int, after: int | None, search: str | None
    ) -> Page[int]:
        """Product ids in id order; the products themselves come through the cached loader."""
        if search:
            stmt = _product_id_page(search, after).limit(first + 1)
            rows = await self._execute(stmt)
        else:
            values: dict[str, Any] = {"limit": first + 1}
            if after is not None:
                values["after"] = after
            rows = await self._fetch(self._unsearched_product_id_pages[after is not None], values)
        ids = [int(row[0]) for row in rows]
        return Page(items=ids[:first], has_next=len(ids) > first)

    async def count_products(self, *, search: str | None) -> int:
        if not search:
            return int((await self._fetch(self._product_count, {}))[0][0])
        return int((await self._execute(_product_count(search)))[0][0])

    async def members_by_ids(self, ids: Sequence[str]) -> list[Member]:
        return await self._rows_with(member_table.c.id, ids, member_from_row, by_id=False)

    async def points_balances(self, member_ids: Sequence[str]) -> dict[str, int]:
        stmt = (
            select(points_entry_table.c.member_id, func.sum(points_entry_table.c.amount))
            .where(points_entry_table.c.member_id.in_(member_ids))
            .group_by(points_entry_table.c.member_id)
        )
        found = {row[0]: int(row[1]) for row in await self._execute(stmt)}
        return {member_id: found.get(member_id, 0) for member_id in member_ids}

    async def points_entry_page(
        self, member_id: str, *, first: int, after: int | None
    ) -> Page[PointsEntry]:
        stmt = select(points_entry_table).where(points_entry_table.c.member_id == member_id)
        if after is not None:
            stmt = stmt.where(points_entry_table.c.id < after)
        rows = list(
            await self._execute(stmt.order_by(points_entry_table.c.id.desc()).limit(first + 1))
        )
        return Page(
            items=[points_entry_from_row(row) for row in rows[:first]], has_next=len(rows) > first
        )

    async def order_page(
        self, criteria: OrderCriteria, *, first: int, after: OrderPosition | None
    ) -> Page[Order]:
        if after is None and _only_a_member(criteria):
            values = {"member_id": criteria.member_id, "limit": first + 1}
            rows = list(await self._fetch(self._member_first_page, values))
        else:
            conditions = _order_conditions(criteria)
            if after is not None:
                conditions.append(
                    tuple_(order_table.c.created_at, order_table.c.id) < tuple_(*after)
                )
            rows = list(await self._execute(_order_page(conditions, first + 1)))
        return Page(items=[order_from_row(r) for r in rows[:first]], has_next=len(rows) > first)

    async def search_orders(
        self, search: OrderSearch, *, first: int, after: OrderPosition | None
    ) -> Page[Order]:
        return await search_orders(self._engine, search, first=first, after=after)

    async def count_orders(self, criteria: OrderCriteria) -> int:
        if _only_a_member(criteria):
            values = {"member_id": criteria.member_id}
            return int((await self._fetch(self._member_order_count, values))[0][0])
        return int((await self._execute(_order_count(_order_conditions(criteria))))[0][0])

    async def member_order_pages(
        self,
        criteria: OrderCriteria,
        member_ids: Sequence[str],
        *,
        first: int,
        after: OrderPosition | None,
    ) -> dict[str, Page[Order]]:
        """A page of orders for each of several members in one statement: a window per member."""
        position = (
            func.row_number()
            .over(
                partition_by=order_table.c.member_id,
                order_by=(order_table.c.created_at.desc(), order_table.c.id.desc()),
            )
            .label("position")
        )
        inner = select(order_table, position).where(
            order_table.c.member_id.in_(member_ids), *_order_conditions(criteria)
        )
        if after is not None:
            inner = inner.where(tuple_(order_table.c.created_at, order_table.c.id) < tuple_(*after))
        ranked = inner.subquery()
        stmt = (
            select(ranked)
            .where(ranked.c.position <= first + 1)
            .order_by(ranked.c.member_id, ranked.c.position)
        )
        grouped: dict[str, list[Order]] = {member_id: [] for member_id in member_ids}
        for row in await self._execute(stmt):
            grouped[row.member_id].append(order_from_row(row))
        return {
            member_id: Page(items=orders[:first], has_next=len(orders) > first)
            for member_id, orders in grouped.items()
        }

    async def count_member_orders(
        self, criteria: OrderCriteria, member_ids: Sequence[str]
    ) -> dict[str, int]:
        stmt = (
            select(order_table.c.member_id, func.count())
            .where(order_table.c.member_id.in_(member_ids), *_order_conditions(criteria))
            .group_by(order_table.c.member_id)
        )
        counts = dict.fromkeys(member_ids, 0)
        for row in await self._execute(stmt):
            counts[row[0]] = int(row[1])
        return counts

    async def orders_by_ids(self, ids: Sequence[UUID]) -> list[Order]:
        return await self._rows_with(order_table.c.id, ids, order_from_row, by_id=False)

    async def items_by_order_ids(self, ids: Sequence[UUID]) -> list[OrderItem]:
        key = order_item_table.c.order_id
        return await self._rows_with(key, ids, order_item_from_row, by_id=True)

    async def history_by_order_ids(self, ids: Sequence[UUID]) -> list[OrderEvent]:
        key = order_event_table.c.order_id
        return await self._rows_with(key, ids, order_event_from_row, by_id=True)

    async def order_snapshot(self, order_id: UUID, *, after: int) -> OrderSnapshot | None:
        """One statement, so the order and its entries are as of one moment: an entry is
        committed with the order's new status, so the status read is the last entry's."""
        events = order_event_table.c
        stmt = (
            select(
                order_table,
                events.id.label("event_id"),
                events.status.label("event_status"),
                events.message.label("event_message"),
                events.occurred_at.label("event_occurred_at"),
            )
            .select_from(
                order_table.outerjoin(
                    order_event_table,
                    and_(events.order_id == order_table.c.id, events.id > after),
                )
            )
            .where(order_table.c.id == order_id)
            .order_by(events.id)
        )
        rows = await self._execute(stmt)
        if not rows:
            return None
        history = [
            OrderEvent(
                order_id=order_id,
                status=OrderStatus(row.event_status),
                occurred_at=row.event_occurred_at,
                message=row.event_message,
                position=row.event_id,
            )
            for row in rows
            if row.event_id is not None
        ]
        return OrderSnapshot(order=order_from_row(rows[0]), history=history)

    async def payments_by_order_ids(self, ids: Sequence[UUID]) -> list[Payment]:
        key = payment_table.c.order_id
        return await self._rows_with(key, ids, payment_from_row, by_id=False)

    async def payment_events_by_order_ids(self, ids: Sequence[UUID]) -> list[PaymentEvent]:
        key = payment_event_table.c.order_id
        return await self._rows_with(key, ids, payment_event_from_row, by_id=True)

    async def returns_by_order_ids(self, ids: Sequence[UUID]) -> list[OrderReturn]:
        key = order_return_table.c.order_id
        return await self._rows_with(key, ids, order_return_from_row, by_id=True)

    async def return_scans_by_order_ids(self, ids: Sequence[UUID]) -> list[ReturnScan]:
        key = return_scan_table.c.order_id
        return await self._rows_with(key, ids, return_scan_from_row, by_id=True)

    async def deliveries_by_order_ids(self, ids: Sequence[UUID]) -> list[Delivery]:
        key = delivery_table.c.order_id
        return await self._rows_with(key, ids, delivery_from_row, by_id=False)

    async def delivery_events_by_delivery_ids(self, ids: Sequence[UUID]) -> list[DeliveryEvent]:
        key = delivery_event_table.c.delivery_id
        return await self._rows_with(key, ids, delivery_event_from_row, by_id=True)
