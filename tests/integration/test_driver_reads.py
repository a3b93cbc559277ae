"""The read store's statements through asyncpg answer what SQLAlchemy answers for them, rows
and failures alike (`infrastructure/database/driver_reads.py`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Integer, Select, bindparam, cast, func, literal_column, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap import Services
from domain.paging import OrderCriteria
from infrastructure.database.driver_reads import DriverReads, DriverStatement, listening
from infrastructure.database.engine import create_engine
from infrastructure.database.tables import (
    metadata,
    order_item_table,
    order_table,
    product_table,
)
from infrastructure.faults import may_pass
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.factories import create_member, create_order, create_product
from tests.support.raised import raised


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own, so that connections it breaks are no one else's."""
    own = create_engine(database_url, pool_size=1, max_overflow=0)
    yield own
    await own.dispose()


def _driver(stmt: Select[Any], engine: AsyncEngine) -> DriverStatement:
    statement = DriverStatement.of(stmt, engine.dialect)
    assert statement is not None
    return statement


async def _through_sqlalchemy(
    engine: AsyncEngine, stmt: Select[Any], values: dict[str, Any]
) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(stmt, values)).all())


async def test_every_table_reads_the_same_through_asyncpg(services: Services) -> None:
    """Each column by attribute, the same value of the same type, for every table whose values
    the driver may carry (an order with its lines, history, payment and parcel is there)."""
    member = await create_member(services.engine)
    products = [await create_product(services.engine) for _ in range(2)]
    await create_order(services.engine, member_id=member, product_ids=products)
    reads = DriverReads(services.engine)
    compared = 0
    for table in metadata.sorted_tables:
        stmt = select(table).limit(50)
        statement = DriverStatement.of(stmt, services.engine.dialect)
        if statement is None:
            continue
        expected = await _through_sqlalchemy(services.engine, stmt, {})
        found = await reads.fetch(statement, {})
        assert len(found) == len(expected), table.name
        for theirs, ours in zip(expected, found, strict=True):
            for key in theirs._fields:
                value = getattr(ours, key)
                assert value == getattr(theirs, key), (table.name, key)
                assert type(value) is type(getattr(theirs, key)), (table.name, key)
        compared += bool(expected)
    assert compared >= 8


async def _member_with_orders(services: Services, orders: int) -> str:
    """A new member with this many orders, of one book each."""
    member = await create_member(services.engine)
    product = await create_product(services.engine)
    for _ in range(orders):
        await create_order(services.engine, member_id=member, product_ids=[product])
    return member


async def test_a_members_first_page_is_the_page_sqlalchemy_reads(services: Services) -> None:
    """A member's first page of orders goes through asyncpg; with a time among the criteria the
    same orders go through SQLAlchemy, and the pages are the same."""
    member = await _member_with_orders(services, 4)
    store = services.store
    heard: list[str] = []
    with listening(services.engine, heard.append):
        ours = await store.order_page(OrderCriteria(member), first=3, after=None)
    assert len(heard) == 1
    far = datetime(9999, 1, 1, tzinfo=UTC)
    theirs = await store.order_page(OrderCriteria(member, created_before=far), first=3, after=None)
    assert ours == theirs
    assert len(ours.items) == 3
    assert ours.has_next


async def test_the_pages_of_product_ids_are_the_ids_sqlalchemy_reads(services: Services) -> None:
    """A page of product ids without a search, first or after an id, goes through asyncpg and
    holds the ids SQLAlchemy reads, in order."""
    for _ in range(3):
        await create_product(services.engine)
    async with services.engine.connect() as conn:
        stmt = select(product_table.c.id).order_by(product_table.c.id)
        every = [row.id for row in await conn.execute(stmt)]
    heard: list[str] = []
    with listening(services.engine, heard.append):
        first = await services.store.product_id_page(first=2, after=None, search=None)
        rest = await services.store.product_id_page(first=500, after=first.items[-1], search=None)
    assert len(heard) == 2
    assert first.items == every[:2]
    assert first.has_next
    assert rest.items == every[2:502]


async def test_the_counts_are_the_counts_sqlalchemy_reads(services: Services) -> None:
    """A member's count of orders and the catalogue's count (no search) go through asyncpg, an
    unnamed column read by position; with a time among the criteria, or a search, the same
    counts go through SQLAlchemy."""
    member = await _member_with_orders(services, 3)
    store = services.store
    heard: list[str] = []
    with listening(services.engine, heard.append):
        orders = await store.count_orders(OrderCriteria(member))
        products = await store.count_products(search=None)
    assert len(heard) == 2
    far = datetime(9999, 1, 1, tzinfo=UTC)
    assert orders == await store.count_orders(OrderCriteria(member, created_before=far)) == 3
    async with services.engine.connect() as conn:
        every = (await conn.execute(select(func.count()).select_from(product_table))).scalar_one()
    assert products == every


def test_a_value_sqlalchemy_would_change_stays_with_sqlalchemy(services: Services) -> None:
    """UTCDateTime refuses a naive time and moves an aware one to UTC on its way in: a
    statement with such a parameter is not sent through asyncpg."""
    dialect = services.engine.dialect
    by_time = select(order_table).where(order_table.c.created_at > bindparam("after"))
    assert DriverStatement.of(by_time, dialect) is None
    by_keys = select(order_item_table).where(order_item_table.c.order_id == bindparam("key"))
    assert DriverStatement.of(by_keys, dialect) is not None


async def test_each_statement_is_heard_by_the_listeners(engine: AsyncEngine) -> None:
    """While they listen, also once the engine was disposed of (it has a new pool then)."""
    heard: list[str] = []
    statement = _driver(select(literal_column("1").label("one")), engine)
    reads = DriverReads(engine)
    with listening(engine, heard.append):
        await reads.fetch(statement, {})
    await reads.fetch(statement, {})
    await engine.dispose()
    with listening(engine, heard.append):
        await reads.fetch(statement, {})
    assert heard == [statement.sql, statement.sql]


async def test_a_bad_value_fails_as_through_sqlalchemy(engine: AsyncEngine) -> None:
    stmt = select(cast(bindparam("n", type_=Integer), Integer).label("n"))
    values = {"n": "not a number"}
    theirs = await raised(lambda: _through_sqlalchemy(engine, stmt, values))
    ours = await raised(lambda: DriverReads(engine).fetch(_driver(stmt, engine), values))
    assert isinstance(theirs, DBAPIError)
    assert type(ours) is type(theirs)
    assert may_pass(ours) is may_pass(theirs) is False


async def test_a_statement_timeout_fails_as_through_sqlalchemy(database_url: str) -> None:
    impatient = create_engine(
        database_url, connect_args={"server_settings": {"statement_timeout": "50"}}
    )
    stmt = select(func.pg_sleep(1).label("slept"))
    try:
        theirs = await raised(lambda: _through_sqlalchemy(impatient, stmt, {}))
        ours = await raised(lambda: DriverReads(impatient).fetch(_driver(stmt, impatient), {}))
    finally:
        await impatient.dispose()
    assert isinstance(theirs, DBAPIError)
    assert type(ours) is type(theirs)
    assert str(ours.orig) == str(theirs.orig)
    assert may_pass(ours) is may_pass(theirs) is True


async def _ended_while_running(engine: AsyncEngine, work: Awaitable[object]) -> BaseException:
    """`work`'s error when the server ends its backend while its statement runs."""
    running = asyncio.ensure_future(work)
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE wait_event = 'PgSleep' AND datname = $1",
                engine.url.database,
            )
            if ended or running.done() or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.02)
    finally:
        await admin.close()
    return await raised(lambda: running)


async def test_a_connection_ended_mid_statement_fails_as_through_sqlalchemy(
    engine: AsyncEngine,
) -> None:
    """Which error exactly depends on a race in asyncpg (the server's last message or its
    closed socket first), through SQLAlchemy as through the read: each is a DBAPIError that may
    pass, and the pool's one connection is replaced."""
    stmt = select(func.pg_sleep(30).label("slept"))
    theirs = await _ended_while_running(engine, _through_sqlalchemy(engine, stmt, {}))
    reads = DriverReads(engine)
    ours = await _ended_while_running(engine, reads.fetch(_driver(stmt, engine), {}))
    assert isinstance(theirs, DBAPIError)
    assert isinstance(ours, DBAPIError)
    assert may_pass(ours) is may_pass(theirs) is True
    one = await reads.fetch(_driver(select(literal_column("1").label("one")), engine), {})
    assert [tuple(row) for row in one] == [(1,)]


async def _cancelled_while_running(engine: AsyncEngine, work: Awaitable[object]) -> None:
    running = asyncio.ensure_future(work)
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while not await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = $1",
            engine.url.database,
        ):
            assert asyncio.get_running_loop().time() < deadline, "the read never started"
            await asyncio.sleep(0.02)
    finally:
        await admin.close()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running


async def test_a_cancelled_read_drops_its_connection_as_through_sqlalchemy(
    engine: AsyncEngine,
) -> None:
    """A statement cancelled mid-way leaves its connection in a state nobody knows: SQLAlchemy
    drops it rather than hand it to the next statement, and so does the read (the pool has one
    connection: the next read gets a new one, and works)."""
    reads = DriverReads(engine)
    backend = select(func.pg_backend_pid().label("pid"))
    sleep = select(func.pg_sleep(30).label("slept"))
    first = (await _through_sqlalchemy(engine, backend, {}))[0][0]
    await _cancelled_while_running(engine, _through_sqlalchemy(engine, sleep, {}))
    second = (await reads.fetch(_driver(backend, engine), {}))[0][0]
    await _cancelled_while_running(engine, reads.fetch(_driver(sleep, engine), {}))
    third = (await reads.fetch(_driver(backend, engine), {}))[0][0]
    assert first != second != third


async def test_a_database_that_refuses_connections_fails_as_through_sqlalchemy() -> None:
    nowhere = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    stmt: Select[Any] = select(literal_column("1").label("one"))
    try:
        theirs = await raised(lambda: _through_sqlalchemy(nowhere, stmt, {}))
        ours = await raised(lambda: DriverReads(nowhere).fetch(_driver(stmt, nowhere), {}))
    finally:
        await nowhere.dispose()
    assert type(ours) is type(theirs)
    assert may_pass(ours) is may_pass(theirs) is True
