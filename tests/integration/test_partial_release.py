"""A partial cancellation's rows on PostgreSQL: exactly the copies named go back on the shelf,
whether the reservation was still held or committed, and a whole release afterwards gives back
only what is left; the order's touched lines shrink or go."""

from __future__ import annotations

import dataclasses
from uuid import UUID

from sqlalchemy import select

from bootstrap import Services
from domain.money import Money
from domain.order import HistoryEntry, OrderItem
from domain.status import OrderStatus
from infrastructure.database.tables import stock_reservation_table, stock_table
from tests.support.factories import create_member, create_order, create_product


async def _shelves(services: Services, *books: int) -> list[tuple[int, int]]:
    async with services.engine.connect() as conn:
        rows = {
            row.product_id: (row.available, row.reserved)
            for row in await conn.execute(
                select(stock_table).where(stock_table.c.product_id.in_(books))
            )
        }
    return [rows[book] for book in books]


async def _held(services: Services, order_id: UUID) -> list[tuple[int, int, str]]:
    held = stock_reservation_table.c
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(held.product_id, held.quantity, held.status)
            .where(held.order_id == order_id)
            .order_by(held.product_id)
        )
        return [(row.product_id, row.quantity, row.status) for row in rows]


async def test_copies_go_back_from_a_held_or_committed_reservation_once(
    services: Services,
) -> None:
    books = [await create_product(services.engine, available=10) for _ in range(2)]
    member = await create_member(services.engine)
    order = await create_order(services.engine, member_id=member, product_ids=books)
    lines = [
        OrderItem(0, order.id, books[0], 3, Money(1)),
        OrderItem(0, order.id, books[1], 2, Money(1)),
    ]
    async with services.unit_of_work() as work:
        assert await work.stock.reserve(order.id, lines) == []
        await work.commit()

    async with services.unit_of_work() as work:
        assert await work.stock.release_part(order.id, [(books[1], 1)]) == [books[1]]
        await work.commit()
    assert await _shelves(services, *books) == [(7, 3), (9, 1)]

    async with services.unit_of_work() as work:
        await work.stock.commit(order.id)
        assert await work.stock.release_part(order.id, [(books[0], 2), (books[1], 1)]) == books
        await work.commit()
    assert await _shelves(services, *books) == [(9, 0), (10, 0)]
    assert await _held(services, order.id) == [
        (books[0], 1, "COMMITTED"),
        (books[1], 1, "RELEASED"),
    ]

    async with services.unit_of_work() as work:
        await work.stock.release(order.id)
        assert await work.stock.release_part(order.id, [(books[0], 1)]) == []
        await work.commit()
    assert await _shelves(services, *books) == [(10, 0), (10, 0)]


async def test_the_touched_lines_shrink_or_go_and_the_money_follows(services: Services) -> None:
    books = [await create_product(services.engine) for _ in range(2)]
    member = await create_member(services.engine)
    placed = await create_order(
        services.engine, member_id=member, product_ids=books, status=OrderStatus.PAID
    )
    async with services.unit_of_work() as work:
        order = await work.orders.lock(placed.id)
        assert order is not None
        after = dataclasses.replace(
            order, total=Money(14_500), shipping_fee=2_500, partial_cancellations=1
        )
        entry = HistoryEntry(OrderStatus.PAID, "cancelled: 1 of a book", order.updated_at)
        await work.orders.record_lines_cancelled(after, {books[0]: 0}, entry)
        await work.commit()

    async with services.unit_of_work() as work:
        kept = await work.orders.lock(placed.id)
        items = await work.orders.items(placed.id)
    assert kept == after
    assert [(item.product_id, item.quantity) for item in items] == [(books[1], 1)]
