"""Customer service's order search returns exactly what a brute-force filter over the same rows
returns, page after page, on PostgreSQL (its trigram and expression indexes) and on SQLite.

The rows are replaced for each example but the recipient names the triggers kept stay
(`recipient_name` is never emptied): a name no order has any more must find nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.catalogue import isbn13_check_digit
from domain.order_search import OrderSearch, phone_digits
from domain.status import OrderStatus
from infrastructure.database import order_search
from infrastructure.database.engine import create_engine
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.database.order_search import search_orders
from infrastructure.database.tables import (
    member_table,
    order_item_table,
    order_table,
    product_table,
)
from tests.conftest import own_database

NAMES = (
    "김민준",
    "이서연",
    "김서연",
    "Kim Minjun",
    "KIM MINJUN",
    "박 하은",
    "100%_이",
    "가나다라마바사아자차카타파하가나다라마바사아자",
)
"""The last is longer than 63 bytes, PostgreSQL's `name` type (an identifier)."""
PHONES = ("010-1234-5678", "01012345678", "010 1234 5678", "010-9999-0000", "+82 10 5555 1234")
TITLE_WORDS = ("바다", "별의 노래", "시간", "Sea", "star", "50%_off")
MEMBERS = ("member-a", "member-b", "member-c")
INSTANTS = tuple(datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=h) for h in range(4))
"""Few instants, so that many orders share one and the id must break the tie."""


def _isbn(n: int) -> str:
    twelve = f"979{n:09d}"
    return twelve + str(isbn13_check_digit(twelve))


@dataclass(frozen=True)
class Book:
    id: int
    isbn: str
    title: str


@dataclass(frozen=True)
class Placed:
    id: uuid.UUID
    number: str
    member_id: str
    recipient: str
    phone: str
    status: OrderStatus
    created_at: datetime
    books: tuple[Book, ...]


@st.composite
def shops(draw: st.DrawFn) -> list[Placed]:
    titles = draw(
        st.lists(
            st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=2).map(" ".join),
            min_size=1,
            max_size=6,
        )
    )
    books = [Book(id=i + 1, isbn=_isbn(i + 1), title=title) for i, title in enumerate(titles)]
    ids = draw(st.lists(st.integers(min_value=1, max_value=2**128 - 1), max_size=14, unique=True))
    return [
        Placed(
            id=uuid.UUID(int=order_id),
            number=f"20261101-{n:08d}",
            member_id=draw(st.sampled_from(MEMBERS)),
            recipient=draw(st.sampled_from(NAMES)),
            phone=draw(st.sampled_from(PHONES)),
            status=draw(st.sampled_from(OrderStatus)),
            created_at=draw(st.sampled_from(INSTANTS)),
            books=tuple(
                draw(st.lists(st.sampled_from(books), min_size=1, max_size=3, unique=True))
            ),
        )
        for n, order_id in enumerate(ids)
    ]


def _part(text: str) -> st.SearchStrategy[str]:
    """A piece of `text` of two characters or more, sometimes in another case."""
    return (
        st.tuples(st.integers(0, len(text) - 2), st.integers(2, len(text)))
        .map(lambda ab: text[ab[0] : ab[0] + ab[1]])
        .filter(lambda part: len(part.strip()) >= 2)
        .flatmap(lambda part: st.sampled_from((part, part.upper(), part.lower())))
    )


_INSTANT = st.sampled_from(INSTANTS).flatmap(
    lambda at: st.sampled_from((at, at - timedelta(seconds=1), at + timedelta(seconds=1)))
)


@st.composite
def searches(draw: st.DrawFn) -> OrderSearch:
    maybe = st.booleans()
    return OrderSearch(
        number=draw(st.sampled_from([f"20261101-{n:08d}" for n in range(3)]).map(str.lower))
        if draw(maybe)
        else None,
        member_id=draw(st.sampled_from(MEMBERS)) if draw(maybe) else None,
        recipient=draw(st.sampled_from(NAMES).flatmap(_part)) if draw(maybe) else None,
        recipient_name=draw(st.sampled_from(NAMES)) if draw(maybe) else None,
        phone=draw(st.sampled_from(PHONES)) if draw(maybe) else None,
        isbn=_isbn(draw(st.integers(1, 7))) if draw(maybe) else None,
        title=draw(st.sampled_from(TITLE_WORDS).flatmap(_part)) if draw(maybe) else None,
        statuses=tuple(draw(st.lists(st.sampled_from(OrderStatus), max_size=3))),
        created_after=draw(_INSTANT) if draw(maybe) else None,
        created_before=draw(_INSTANT) if draw(maybe) else None,
    ).checked()


@st.composite
def book_searches(draw: st.DrawFn) -> OrderSearch:
    """An ISBN or a title, with dates or none: the searches whose page is picked from the
    lines' index before any order is read."""
    maybe = st.booleans()
    by_isbn = draw(maybe)
    return OrderSearch(
        isbn=_isbn(draw(st.integers(1, 7))) if by_isbn else None,
        title=None if by_isbn else draw(st.sampled_from(TITLE_WORDS).flatmap(_part)),
        created_after=draw(_INSTANT) if draw(maybe) else None,
        created_before=draw(_INSTANT) if draw(maybe) else None,
    ).checked()


@st.composite
def name_searches(draw: st.DrawFn) -> OrderSearch:
    """A part of a name, with statuses and dates or none: the searches whose page is picked
    from the orders of the whole names the part matches."""
    maybe = st.booleans()
    return OrderSearch(
        recipient=draw(st.sampled_from(NAMES).flatmap(_part)),
        statuses=tuple(draw(st.lists(st.sampled_from(OrderStatus), max_size=3))),
        created_after=draw(_INSTANT) if draw(maybe) else None,
        created_before=draw(_INSTANT) if draw(maybe) else None,
    ).checked()


def brute_force(orders: list[Placed], search: OrderSearch) -> list[uuid.UUID]:
    """Every order meeting every criterion, newest first, by reading each one."""

    def meets(o: Placed) -> bool:
        return all(
            (
                search.number is None or o.number == search.number,
                search.member_id is None or o.member_id == search.member_id,
                search.recipient is None or search.recipient.lower() in o.recipient.lower(),
                search.recipient_name is None or o.recipient == search.recipient_name,
                search.phone is None or phone_digits(o.phone) == search.phone,
                search.isbn is None or any(b.isbn == search.isbn for b in o.books),
                search.title is None
                or any(search.title.lower() in b.title.lower() for b in o.books),
                not search.statuses or o.status in search.statuses,
                search.created_after is None or o.created_at > search.created_after,
                search.created_before is None or o.created_at < search.created_before,
            )
        )

    found = sorted((o for o in orders if meets(o)), key=lambda o: (o.created_at, o.id))
    return [o.id for o in reversed(found)]


async def _replace_rows(engine: AsyncEngine, orders: list[Placed]) -> None:
    books = {book.id: book for order in orders for book in order.books}
    async with engine.begin() as conn:
        for table in (order_item_table, order_table, product_table, member_table):
            await conn.execute(delete(table))
        await conn.execute(insert(member_table), [{"id": m} for m in MEMBERS])
        if books:
            await conn.execute(
                insert(product_table),
                [
                    {"id": b.id, "isbn": b.isbn, "title": b.title, "author": "작가", "price": 1}
                    for b in books.values()
                ],
            )
        if orders:
            await conn.execute(
                insert(order_table),
                [
                    {
                        "id": o.id,
                        "number": o.number,
                        "member_id": o.member_id,
                        "status": o.status.value,
                        "total_amount": 0,
                        "recipient": o.recipient,
                        "phone": o.phone,
                        "zip_code": "04524",
                        "line1": "서울특별시 중구 세종대로 110",
                        "created_at": o.created_at,
                        "updated_at": o.created_at,
                    }
                    for o in orders
                ],
            )
            await conn.execute(
                insert(order_item_table),
                [
                    {
                        "order_id": o.id,
                        "product_id": b.id,
                        "quantity": 1,
                        "unit_price": 1,
                        "order_created_at": o.created_at,
                    }
                    for o in orders
                    for b in o.books
                ],
            )


async def _walk(engine: AsyncEngine, search: OrderSearch, first: int) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    after = None
    for _ in range(100):
        page = await search_orders(engine, search, first=first, after=after)
        assert len(page.items) <= first
        seen.extend(o.id for o in page.items)
        if not page.has_next:
            return seen
        after = (page.items[-1].created_at, page.items[-1].id)
    raise AssertionError("the pages did not end")


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
async def search_engine(
    request: pytest.FixtureRequest, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """A database of its own: the brute force must see every row the search sees."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'orders.db'}"
        await asyncio.to_thread(upgrade_to_head, url)
        engine = create_engine(url)
        yield engine
        await engine.dispose()
        return
    async with own_database(f"orders_test_{run_id}_search") as url:
        engine = create_engine(url)
        yield engine
        await engine.dispose()


@settings(max_examples=60, deadline=None)
@given(orders=shops(), search=searches(), first=st.integers(min_value=1, max_value=5))
async def test_the_search_finds_what_reading_every_order_finds(
    search_engine: AsyncEngine, orders: list[Placed], search: OrderSearch, first: int
) -> None:
    await _replace_rows(search_engine, orders)
    walked = await _walk(search_engine, search, first)
    assert walked == brute_force(orders, search)


@settings(max_examples=40, deadline=None)
@given(
    orders=shops(),
    search=book_searches(),
    first=st.integers(min_value=1, max_value=5),
    many_books=st.sampled_from((order_search.MANY_BOOKS, 0)),
)
async def test_a_search_by_one_book_finds_what_reading_every_order_finds(
    search_engine: AsyncEngine,
    orders: list[Placed],
    search: OrderSearch,
    first: int,
    many_books: int,
) -> None:
    """From the books' newest lines, and by filtering the orders when a title matches more
    than MANY_BOOKS books (here, with 0, any)."""
    await _replace_rows(search_engine, orders)
    with patch.object(order_search, "MANY_BOOKS", many_books):
        walked = await _walk(search_engine, search, first)
    assert walked == brute_force(orders, search)


@settings(max_examples=40, deadline=None)
@given(
    orders=shops(),
    search=name_searches(),
    first=st.integers(min_value=1, max_value=5),
    many_names=st.sampled_from((order_search.MANY_NAMES, 0)),
)
async def test_a_search_by_a_part_of_a_name_finds_what_reading_every_order_finds(
    search_engine: AsyncEngine,
    orders: list[Placed],
    search: OrderSearch,
    first: int,
    many_names: int,
) -> None:
    """From the newest orders of the whole names the part matches, and by filtering the orders
    when it matches more than MANY_NAMES names (here, with 0, any)."""
    await _replace_rows(search_engine, orders)
    with patch.object(order_search, "MANY_NAMES", many_names):
        walked = await _walk(search_engine, search, first)
    assert walked == brute_force(orders, search)


async def test_an_order_readdressed_is_found_by_its_new_name_only(
    search_engine: AsyncEngine,
) -> None:
    """An address change updates the recipient: the new name is kept for the search too."""
    placed = Placed(
        id=uuid.uuid4(),
        number="20261101-00000099",
        member_id=MEMBERS[0],
        recipient="김민준",
        phone=PHONES[0],
        status=OrderStatus.PAID,
        created_at=INSTANTS[0],
        books=(Book(id=1, isbn=_isbn(1), title=TITLE_WORDS[0]),),
    )
    await _replace_rows(search_engine, [placed])
    async with search_engine.begin() as conn:
        await conn.execute(
            update(order_table).where(order_table.c.id == placed.id).values(recipient="최하윤")
        )
    found = {
        part: await _walk(search_engine, OrderSearch(recipient=part).checked(), 5)
        for part in ("하윤", "민준")
    }
    assert found == {"하윤": [placed.id], "민준": []}
