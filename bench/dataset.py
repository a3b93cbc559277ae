"""A bookstore that has run for a year: books with stock, members, and their orders with every
row an order leaves behind (lines, payment, delivery and its tracking events, status history).

Built from a fixed random seed with COPY, in one transaction. The database's comment records the
size that was built, so building the same size again is skipped.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

import asyncpg
from sqlalchemy import Table

from bench.environment import DATABASE_NAME
from bench.services import connect, prepare_database
from domain.catalogue import isbn13_check_digit
from domain.ordering import NUMBER_ALPHABET
from domain.status import DeliveryStatus, OrderStatus, PaymentStatus
from infrastructure.carrier.simulated import CARRIER_NAME
from infrastructure.database.tables import (
    delivery_event_table,
    delivery_table,
    member_table,
    metadata,
    order_event_table,
    order_item_table,
    order_table,
    payment_table,
    product_table,
    stock_table,
)

SEED = 4
"""Issue #4: the same seed builds the same store."""
HISTORY_DAYS = 365
CANCELLED_SHARE = 0.03

_S = OrderStatus
_D = DeliveryStatus

PAID_AFTER = timedelta(seconds=5)
PREPARED_AFTER = timedelta(seconds=9)
ORDER_TIMELINE = (
    (_S.PENDING, timedelta(0)),
    (_S.STOCK_RESERVED, timedelta(seconds=2)),
    (_S.PAID, PAID_AFTER),
    (_S.PREPARING, PREPARED_AFTER),
    (_S.SHIPPED, timedelta(hours=26)),
    (_S.DELIVERED, timedelta(hours=50)),
)
"""Each status an order reaches and when, after it was placed."""
CANCELLED_AFTER = timedelta(hours=3)
"""Cancelled orders were cancelled while PREPARING, this long after they were placed."""
PARCEL_TIMELINE = (
    (_D.PREPARING, PREPARED_AFTER, "registered with the carrier"),
    (_D.PICKED_UP, timedelta(hours=26), "Seoul Gangnam branch"),
    (_D.IN_TRANSIT, timedelta(hours=32), "Gonjiam mega hub"),
    (_D.OUT_FOR_DELIVERY, timedelta(hours=46), "delivery office {zip}"),
    (_D.DELIVERED, timedelta(hours=50), "delivered to the door ({zip})"),
)

_TITLE_WORDS = ("바다", "별", "시간", "도시", "겨울", "기억", "여름", "숲", "강", "편지", "골목")
_TITLE_ENDS = ("의 노래", "을 건너는 법", " 이야기", " 산책", "에게 보내는 안부", "의 기록")
_AUTHORS = ("한강", "김영하", "정세랑", "황석영", "은희경", "김훈", "편혜영", "천명관", "최은영")
_PUBLISHERS = ("창비", "문학동네", "민음사", "위즈덤하우스", "은행나무", None)
_FAMILY_NAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임")
_GIVEN_NAMES = ("민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "하은", "예준", "지민")
_STREETS = (
    "서울특별시 중구 세종대로",
    "서울특별시 마포구 월드컵북로",
    "부산광역시 해운대구 센텀로",
)


@dataclass(frozen=True)
class DatasetSize:
    books: int = 1_000
    members: int = 2_000
    orders: int = 20_000
    lines_per_order: int = 3
    loyal_members: int = 20
    """The first members are loyal customers with `loyal_orders` orders each; the other
    orders fall on the other members at random."""
    loyal_orders: int = 100

    @property
    def label(self) -> str:
        return (
            f"bench dataset (seed {SEED}): {self.books} books, {self.members} members, "
            f"{self.orders} orders of {self.lines_per_order} lines, "
            f"{self.loyal_members} members with {self.loyal_orders} orders each"
        )


DATASET = DatasetSize()


def member_id(number: int) -> str:
    return f"member-{number:04d}"


def member_name(number: int) -> str:
    """Every member's display name, derived from its number (tokens carry the same)."""
    family = _FAMILY_NAMES[number % len(_FAMILY_NAMES)]
    given = _GIVEN_NAMES[(number // len(_FAMILY_NAMES)) % len(_GIVEN_NAMES)]
    return f"{family}{given}"


def loyal_members(size: DatasetSize = DATASET) -> list[tuple[str, str]]:
    """(id, name) of the members with `size.loyal_orders` orders each."""
    return [(member_id(n), member_name(n)) for n in range(1, size.loyal_members + 1)]


@dataclass
class TableRows:
    """Rows for COPY into one table; the columns are the keys of the first row added."""

    table: Table
    columns: tuple[str, ...] = ()
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def add(self, **values: Any) -> None:
        if not self.columns:
            unknown = set(values) - set(self.table.c.keys())
            assert not unknown, f"{self.table.name} has no column {sorted(unknown)}"
            self.columns = tuple(values)
        assert len(values) == len(self.columns), f"{self.table.name}: {sorted(values)}"
        self.rows.append(tuple(values[column] for column in self.columns))


class StoreBuilder:
    """Generates the rows of every table, in memory, from one seeded random generator."""

    def __init__(self, size: DatasetSize, now: datetime) -> None:
        self.size = size
        self.now = now
        self.rng = random.Random(SEED)
        self.products = TableRows(product_table)
        self.stock = TableRows(stock_table)
        self.members = TableRows(member_table)
        self.orders = TableRows(order_table)
        self.items = TableRows(order_item_table)
        self.history = TableRows(order_event_table)
        self.payments = TableRows(payment_table)
        self.deliveries = TableRows(delivery_table)
        self.parcel_events = TableRows(delivery_event_table)
        self._prices: list[int] = []
        self._popularity: list[float] = []
        self._numbers: set[str] = set()
        self._tracking_numbers: set[str] = set()

    def build(self) -> list[TableRows]:
        """Every table's rows, in foreign-key order."""
        opened = self.now - timedelta(days=HISTORY_DAYS + 30)
        self._add_books(opened)
        for number in range(1, self.size.members + 1):
            self.members.add(
                id=member_id(number),
                name=member_name(number),
                email=f"{member_id(number)}@example.com",
                created_at=opened,
                updated_at=opened,
            )
        for buyer in self._buyers():
            self._add_order(buyer)
        return [
            self.products,
            self.stock,
            self.members,
            self.orders,
            self.items,
            self.history,
            self.payments,
            self.deliveries,
            self.parcel_events,
        ]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _add_books(self, opened: datetime) -> None:
        rng = self.rng
        isbns: set[str] = set()
        while len(isbns) < self.size.books:
            first_twelve = f"979{rng.randrange(10**9):09d}"
            isbns.add(first_twelve + str(isbn13_check_digit(first_twelve)))
        for product_id, isbn in enumerate(sorted(isbns), start=1):
            price = rng.randrange(9_000, 38_001, 500)
            self._prices.append(price)
            self.products.add(
                id=product_id,
                isbn=isbn,
                title=f"{rng.choice(_TITLE_WORDS)}{rng.choice(_TITLE_ENDS)} {product_id}",
                author=rng.choice(_AUTHORS),
                publisher=rng.choice(_PUBLISHERS),
                price=price,
                currency="KRW",
                created_at=opened,
                updated_at=opened,
            )
            self.stock.add(
                product_id=product_id,
                available=rng.randrange(300, 3_001),
                reserved=0,
                updated_at=opened,
            )
        ranks = range(1, self.size.books + 1)
        self._popularity = list(accumulate(1 / rank**0.7 for rank in ranks))

    def _buyers(self) -> list[int]:
        """The member number of each order: loyal members first, the rest at random."""
        size = self.size
        loyal = list(range(1, size.loyal_members + 1)) * size.loyal_orders
        others = [
            self.rng.randint(size.loyal_members + 1, size.members)
            for _ in range(size.orders - len(loyal))
        ]
        return loyal + others

    def _books_of_one_order(self) -> list[int]:
        """Distinct books, bestsellers more often than the long tail."""
        popularity = self._popularity
        chosen: list[int] = []
        while len(chosen) < self.size.lines_per_order:
            pick = bisect_left(popularity, self.rng.random() * popularity[-1]) + 1
            if pick not in chosen:
                chosen.append(pick)
        return chosen

    def _order_number(self, placed: datetime) -> str:
        while True:
            suffix = "".join(self.rng.choice(NUMBER_ALPHABET) for _ in range(6))
            number = f"{placed:%Y%m%d}-{suffix}"
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def _tracking_number(self) -> str:
        while True:
            number = str(self.rng.randrange(10**11, 10**12))
            if number not in self._tracking_numbers:
                self._tracking_numbers.add(number)
                return number

    def _add_order(self, buyer: int) -> None:
        rng = self.rng
        placed = self.now - timedelta(seconds=rng.uniform(60, HISTORY_DAYS * 86_400))
        age = self.now - placed
        cancelled = age > CANCELLED_AFTER and rng.random() < CANCELLED_SHARE
        order_id = self._uuid()
        zip_code = f"{rng.randrange(1_000, 64_000):05d}"
        total = 0
        for product_id in self._books_of_one_order():
            quantity = rng.choice((1, 1, 1, 2, 3))
            price = self._prices[product_id - 1]
            total += quantity * price
            self.items.add(
                order_id=order_id,
                product_id=product_id,
                quantity=quantity,
                unit_price=price,
                currency="KRW",
                order_created_at=placed,
            )
        reached = [(status, at) for status, at in ORDER_TIMELINE if at <= age]
        if cancelled:
            reached = [(status, at) for status, at in reached if at <= PREPARED_AFTER]
            reached.append((_S.CANCELLED, CANCELLED_AFTER))
        for status, at in reached:
            self.history.add(
                order_id=order_id, status=status.value, message=None, occurred_at=placed + at
            )
        status, last_change = reached[-1]
        self.orders.add(
            id=order_id,
            number=self._order_number(placed),
            member_id=member_id(buyer),
            status=status.value,
            cancel_reason="CUSTOMER_REQUEST" if cancelled else None,
            total_amount=total,
            currency="KRW",
            recipient=member_name(buyer),
            phone=f"010-{rng.randrange(1_000, 10_000)}-{rng.randrange(1_000, 10_000)}",
            zip_code=zip_code,
            line1=f"{rng.choice(_STREETS)} {rng.randint(1, 300)}",
            line2=f"{rng.randint(1, 20)}층" if rng.random() < 0.6 else None,
            created_at=placed,
            updated_at=placed + last_change,
        )
        paid = placed + PAID_AFTER
        self.payments.add(
            id=self._uuid(),
            order_id=order_id,
            status=(PaymentStatus.REFUNDED if cancelled else PaymentStatus.APPROVED).value,
            amount=total,
            currency="KRW",
            transaction_id=f"sim_{rng.getrandbits(64):016x}",
            attempts=1,
            approved_at=paid,
            created_at=placed,
            updated_at=paid,
        )
        self._add_parcel(order_id, placed, age, zip_code, cancelled=cancelled)

    def _add_parcel(
        self,
        order_id: uuid.UUID,
        placed: datetime,
        age: timedelta,
        zip_code: str,
        *,
        cancelled: bool,
    ) -> None:
        steps = PARCEL_TIMELINE[:1] if cancelled else [s for s in PARCEL_TIMELINE if s[1] <= age]
        delivery_id = self._uuid()
        status, last_step, _ = steps[-1]
        self.deliveries.add(
            id=delivery_id,
            order_id=order_id,
            status=status.value,
            carrier=CARRIER_NAME,
            tracking_number=self._tracking_number(),
            created_at=placed + PREPARED_AFTER,
            updated_at=placed + last_step,
        )
        for step, at, location in steps:
            self.parcel_events.add(
                delivery_id=delivery_id,
                status=step.value,
                location=location.format(zip=zip_code),
                occurred_at=placed + at,
            )


async def built_label(conn: asyncpg.Connection, database: str = DATABASE_NAME) -> str | None:
    """The database's comment: the label of the data set built in it, if any."""
    label: str | None = await conn.fetchval(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
        database,
    )
    return label


async def ensure_dataset(
    conn: asyncpg.Connection, size: DatasetSize = DATASET, *, rebuild: bool = False
) -> bool:
    """Build the data set unless this size is built already; True when it was built now."""
    if not rebuild and await built_label(conn) == size.label:
        return False
    tables = StoreBuilder(size, datetime.now(UTC)).build()
    everything = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {everything} RESTART IDENTITY CASCADE")
        for rows in tables:
            await conn.copy_records_to_table(
                rows.table.name, records=rows.rows, columns=list(rows.columns)
            )
        await conn.execute("SELECT setval(pg_get_serial_sequence('product', 'id'), $1)", size.books)
        label = size.label.replace("'", "''")
        await conn.execute(f"COMMENT ON DATABASE \"{DATABASE_NAME}\" IS '{label}'")
    await conn.execute("ANALYZE")
    return True


async def prepared_dataset(*, rebuild: bool = False) -> bool:
    """The bench database created when missing, migrated, and holding the data set (built unless
    this size is built already); True when it was built now."""
    await prepare_database()
    async with connect() as conn:
        return await ensure_dataset(conn, rebuild=rebuild)
