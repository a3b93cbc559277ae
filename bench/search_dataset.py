"""A large shop for customer service's order search: a million orders over two years.

Only the tables the search reads are filled (member, product, orders, order_item, and
recipient_name by the orders' trigger), in a database of its own (`<BENCH_DATABASE>_search`),
from a fixed seed, with COPY. The secondary indexes are dropped before the COPY and built again
after it, as pg_restore does: building an index once is faster than growing it row by row. The
database's comment records the size that was built, so building the same size again is
skipped.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bench.dataset import built_label
from bench.environment import DATABASE_NAME, database_url
from domain.catalogue import isbn13_check_digit
from domain.ordering import NUMBER_ALPHABET
from domain.status import OrderStatus

SEED = 14
SEARCH_DATABASE = f"{DATABASE_NAME}_search"
SEARCH_DATABASE_URL = database_url(SEARCH_DATABASE)
HISTORY_DAYS = 730
CHUNK = 50_000
"""Rows per COPY: big enough to stream, small enough that the rows of one fit in memory."""

SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신")
SURNAME_WEIGHTS = (21, 15, 8, 5, 4, 2, 2, 2, 2, 2, 1, 1, 1, 1)
"""Roughly as common as in Korea: one Korean in five is a 김."""
SYLLABLES = tuple("민서지도하준윤우현수예진은영성재승연유채동혜")
TITLE_WORDS = (
    "바다", "별", "시간", "도시", "겨울", "기억", "여름", "숲", "강", "편지", "골목", "달",
    "바람", "우주", "고양이", "정원", "기차", "섬", "사랑", "밤", "아침", "거울", "집", "빛",
    "그림자", "나무", "소년", "소녀", "노래", "꿈", "비", "눈", "새", "길", "불꽃", "안개",
)  # fmt: skip
TITLE_ENDS = (
    "의 노래",
    "을 건너는 법",
    " 이야기",
    " 산책",
    "에게 보내는 안부",
    "의 기록",
    "",
    "들",
)
STATUSES = (
    (OrderStatus.DELIVERED, 86),
    (OrderStatus.CANCELLED, 4),
    (OrderStatus.SHIPPED, 4),
    (OrderStatus.PREPARING, 3),
    (OrderStatus.PAID, 1),
    (OrderStatus.STOCK_RESERVED, 1),
    (OrderStatus.PENDING, 1),
)


@dataclass(frozen=True)
class SearchDatasetSize:
    books: int = 50_000
    members: int = 200_000
    orders: int = 1_000_000
    max_lines: int = 3

    @property
    def label(self) -> str:
        return (
            f"search bench dataset (seed {SEED}): {self.books} books, {self.members} members, "
            f"{self.orders} orders of 1 to {self.max_lines} lines over {HISTORY_DAYS} days"
        )


SEARCH_DATASET = SearchDatasetSize()
TABLES = ("member", "product", "orders", "order_item", "recipient_name")
"""What the search reads; `recipient_name` is filled by migration 0016's trigger as the orders
are copied."""


def isbn(book: int) -> str:
    twelve = f"979{book:09d}"
    return twelve + str(isbn13_check_digit(twelve))


def title(book: int) -> str:
    """Three words and an ending, from the book's number: most titles are one book's."""
    words = len(TITLE_WORDS)
    first, second, third = book % words, (book // words) % words, (book // words**2) % words
    end = TITLE_ENDS[(book // words**3 + book) % len(TITLE_ENDS)]
    return f"{TITLE_WORDS[first]} {TITLE_WORDS[second]} {TITLE_WORDS[third]}{end}"


def member_id(member: int) -> str:
    return f"search-member-{member:06d}"


class ShopRows:
    """The rows of each table, generated in chunks from one seeded generator."""

    def __init__(self, size: SearchDatasetSize, now: datetime) -> None:
        self.size = size
        self.now = now
        self.random = random.Random(SEED)
        self.member_names = [self._name() for _ in range(size.members)]
        self.member_phones = [self._phone() for _ in range(size.members)]

    def _name(self) -> str:
        surname = self.random.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        return surname + "".join(self.random.choices(SYLLABLES, k=2))

    def _phone(self) -> str:
        return f"010-{self.random.randrange(10_000):04d}-{self.random.randrange(10_000):04d}"

    def members(self) -> Iterator[tuple[Any, ...]]:
        for n, name in enumerate(self.member_names):
            yield (member_id(n), name, None, self.now, self.now)

    def products(self) -> Iterator[tuple[Any, ...]]:
        for book in range(1, self.size.books + 1):
            price = 8_000 + 500 * (book % 40)
            yield (book, isbn(book), title(book), "작가", None, price, "KRW", self.now, self.now)

    def orders_and_lines(self) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """(orders, lines) chunks; order N is placed before order N+1, as in a real shop."""
        statuses = [s.value for s, _ in STATUSES]
        weights = [w for _, w in STATUSES]
        start = self.now - timedelta(days=HISTORY_DAYS)
        step = timedelta(days=HISTORY_DAYS) / self.size.orders
        orders: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        for n in range(self.size.orders):
            placed = start + step * n + timedelta(microseconds=self.random.randrange(1000))
            buyer = self.random.randrange(self.size.members)
            gift = self.random.random() < 0.2
            recipient = self._name() if gift else self.member_names[buyer]
            phone = self._phone() if gift else self.member_phones[buyer]
            order_id = uuid.UUID(int=self.random.getrandbits(128), version=4)
            books = self.random.sample(
                range(1, self.size.books + 1), self.random.randint(1, self.size.max_lines)
            )
            suffix = "".join(self.random.choices(NUMBER_ALPHABET, k=8))
            status = self.random.choices(statuses, weights)[0]
            orders.append(
                (
                    order_id, f"{placed:%Y%m%d}-{suffix}", member_id(buyer), status,
                    "CUSTOMER_REQUEST" if status == "CANCELLED" else None, 15_000 * len(books),
                    "KRW", recipient, phone, "04524", "서울특별시 중구 세종대로 110", None,
                    placed, placed,
                )
            )  # fmt: skip
            lines.extend((order_id, book, 1, 15_000, "KRW", placed) for book in books)
            if len(orders) == CHUNK:
                yield orders, lines
                orders, lines = [], []
        if orders:
            yield orders, lines


ORDER_COLUMNS = [
    "id", "number", "member_id", "status", "cancel_reason", "total_amount", "currency",
    "recipient", "phone", "zip_code", "line1", "line2", "created_at", "updated_at",
]  # fmt: skip
LINE_COLUMNS = ["order_id", "product_id", "quantity", "unit_price", "currency", "order_created_at"]
MEMBER_COLUMNS = ["id", "name", "email", "created_at", "updated_at"]
PRODUCT_COLUMNS = [
    "id", "isbn", "title", "author", "publisher", "price", "currency", "created_at", "updated_at"
]  # fmt: skip


async def _secondary_indexes(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of the filled tables that back no constraint."""
    rows = await conn.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        list(TABLES),
    )
    return [(row["indexname"], row["indexdef"]) for row in rows]


async def ensure_search_dataset(
    conn: asyncpg.Connection, size: SearchDatasetSize = SEARCH_DATASET, *, rebuild: bool = False
) -> bool:
    """Build the shop unless this size is built already; True when it was built now."""
    if not rebuild and await built_label(conn, SEARCH_DATABASE) == size.label:
        return False
    rows = ShopRows(size, datetime.now(UTC))
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
        indexes = await _secondary_indexes(conn)
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        await conn.copy_records_to_table("member", records=rows.members(), columns=MEMBER_COLUMNS)
        await conn.copy_records_to_table(
            "product", records=rows.products(), columns=PRODUCT_COLUMNS
        )
        for orders, lines in rows.orders_and_lines():
            await conn.copy_records_to_table("orders", records=orders, columns=ORDER_COLUMNS)
            await conn.copy_records_to_table("order_item", records=lines, columns=LINE_COLUMNS)
        await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            await conn.execute(definition)
        await conn.execute("SELECT setval(pg_get_serial_sequence('product', 'id'), $1)", size.books)
        label = size.label.replace("'", "''")
        await conn.execute(f"COMMENT ON DATABASE \"{SEARCH_DATABASE}\" IS '{label}'")
    await conn.execute("VACUUM ANALYZE")
    return True
