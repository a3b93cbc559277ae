"""Both ways of placing an order write the same rows, or nothing at all.

PostgreSQL places an order in one statement; other databases in a unit of work. Both run here
on PostgreSQL, side by side, so that the single statement is held to what the unit of work does.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap import Services
from domain.order import Address, OrderDraft
from domain.points import PointsEntry, PointsReason
from domain.pricing import NO_RATES, BookPrice, BookRates, ShippingPolicy
from infrastructure.database.placement import PostgresOrderPlacer, UnitOfWorkOrderPlacer
from infrastructure.database.tables import (
    order_event_table,
    order_item_table,
    order_table,
    outbox_table,
)
from tests.support.factories import create_member, create_product

Placer = UnitOfWorkOrderPlacer
POLICY = ShippingPolicy(threshold=15_000, fee=2_500)
PLACERS: dict[str, Callable[[Services], Placer]] = {
    "unit of work": lambda services: UnitOfWorkOrderPlacer(services.unit_of_work, POLICY),
    "one statement": lambda services: PostgresOrderPlacer(
        services.unit_of_work, POLICY, services.engine
    ),
}


@pytest.fixture(params=list(PLACERS))
def placer(request: pytest.FixtureRequest, services: Services) -> Placer:
    return PLACERS[request.param](services)


async def _draft(
    services: Services,
    lines: tuple[tuple[int, int], ...],
    *,
    number: str | None = None,
    member_id: str | None = None,
    key: str | None = None,
    points: int = 0,
) -> OrderDraft:
    return OrderDraft(
        id=uuid.uuid4(),
        number=number or f"20261124-{secrets.token_hex(4).upper()}",
        member_id=member_id or await create_member(services.engine),
        lines=lines,
        shipping_address=Address("김민준", "010-1234-5678", "04524", "세종대로 110", None),
        payment_token="tok_ok",
        idempotency_key=key,
        request_fingerprint="f" * 64,
        created_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        points_to_spend=points,
    )


async def _rows(engine: AsyncEngine, order_id: uuid.UUID) -> dict[str, object]:
    async with engine.connect() as conn:
        order = (
            await conn.execute(select(order_table).where(order_table.c.id == order_id))
        ).first()
        items = await conn.execute(
            select(
                order_item_table.c.product_id,
                order_item_table.c.quantity,
                order_item_table.c.unit_price,
            )
            .where(order_item_table.c.order_id == order_id)
            .order_by(order_item_table.c.id)
        )
        history = await conn.execute(
            select(order_event_table.c.status, order_event_table.c.message).where(
                order_event_table.c.order_id == order_id
            )
        )
        messages = await conn.execute(
            select(outbox_table.c.routing_key, outbox_table.c.payload).where(
                outbox_table.c.order_id == order_id
            )
        )
        return {
            "order": None if order is None else (order.status, order.total_amount, order.number),
            "items": [tuple(row) for row in items],
            "history": [tuple(row) for row in history],
            "messages": [tuple(row) for row in messages],
        }


async def test_an_order_is_written_with_its_lines_in_order_its_history_and_its_message(
    services: Services, placer: Placer
) -> None:
    books = [await create_product(services.engine, price=price) for price in (12000, 8000, 15000)]
    draft = await _draft(services, ((books[2], 1), (books[0], 2), (books[1], 3)))

    placement = await placer.place(draft)

    assert placement.placed
    assert placement.prices == {
        books[0]: BookPrice(12000, NO_RATES),
        books[1]: BookPrice(8000, NO_RATES),
        books[2]: BookPrice(15000, NO_RATES),
    }
    assert await _rows(services.engine, draft.id) == {
        "order": ("PENDING", 15000 + 2 * 12000 + 3 * 8000, draft.number),
        "items": [(books[2], 1, 15000), (books[0], 2, 12000), (books[1], 3, 8000)],
        "history": [("PENDING", "order placed")],
        "messages": [("order.placed", "{}")],
    }


async def test_a_missing_book_writes_nothing_and_prices_the_others(
    services: Services, placer: Placer
) -> None:
    book = await create_product(services.engine, price=9000)
    draft = await _draft(services, ((book, 1), (10**9, 1)))

    placement = await placer.place(draft)

    assert placement == type(placement)({book: BookPrice(9000, NO_RATES)})
    assert (await _rows(services.engine, draft.id))["order"] is None


async def test_a_taken_number_or_key_writes_nothing(services: Services, placer: Placer) -> None:
    book = await create_product(services.engine)
    first = await _draft(services, ((book, 1),), key="key-1")
    same_number = await _draft(services, ((book, 1),), number=first.number)
    same_key = await _draft(services, ((book, 1),), member_id=first.member_id, key="key-1")
    assert (await placer.place(first)).placed

    refused = [await placer.place(draft) for draft in (same_number, same_key)]

    assert [placement.placed for placement in refused] == [False, False]
    for draft in (same_number, same_key):
        assert await _rows(services.engine, draft.id) == {
            "order": None,
            "items": [],
            "history": [],
            "messages": [],
        }
    found = await placer.placed_with_key(first.member_id, "key-1")
    assert found is not None
    assert found[0].id == first.id
    async with services.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count())
            .select_from(order_table)
            .where(order_table.c.member_id == first.member_id)
        )
    assert count == 1


async def _give_points(services: Services, member_id: str, amount: int) -> None:
    """Points the member earned on an earlier order, written as the ledger keeps them."""
    earlier = await placer_of(services).place(
        await _draft(services, ((await create_product(services.engine), 1),), member_id=member_id)
    )
    assert earlier.order is not None
    async with services.unit_of_work() as work:
        entry = PointsEntry(member_id, earlier.order.id, PointsReason.EARNED, amount)
        assert await work.points.add(entry)
        assert not await work.points.add(entry)  # once per (order, reason)
        await work.commit()


def placer_of(services: Services) -> Placer:
    return UnitOfWorkOrderPlacer(services.unit_of_work, POLICY)


async def test_lines_are_priced_at_sale_prices_with_their_snapshot_and_the_fee(
    services: Services, placer: Placer
) -> None:
    discounted = await create_product(
        services.engine, price=13_999, discount_rate=1000, points_rate=500
    )
    draft = await _draft(services, ((discounted, 1),))

    placement = await placer.place(draft)

    assert placement.order is not None
    assert placement.prices == {discounted: BookPrice(13_999, BookRates(1000, 500))}
    money = placement.order.money
    assert (money.subtotal, money.shipping_fee, money.card, money.points_to_earn) == (
        12_600,
        2_500,
        15_100,
        699,
    )
    async with services.engine.connect() as conn:
        order = (await conn.execute(select(order_table).where(order_table.c.id == draft.id))).one()
        line = (
            await conn.execute(
                select(order_item_table).where(order_item_table.c.order_id == draft.id)
            )
        ).one()
    assert (order.total_amount, order.shipping_fee, order.points_used, order.points_to_earn) == (
        15_100,
        2_500,
        0,
        699,
    )
    assert (line.unit_price, line.unit_discount, line.discount_rate, line.points_rate) == (
        12_600,
        1_399,
        1000,
        500,
    )


async def test_the_threshold_ships_free_and_one_won_less_pays_the_fee(
    services: Services, placer: Placer
) -> None:
    at = await create_product(services.engine, price=15_000)
    below = await create_product(services.engine, price=14_999)
    fees = []
    for book in (at, below):
        placement = await placer.place(await _draft(services, ((book, 1),)))
        assert placement.order is not None
        fees.append((placement.order.total.amount, placement.order.shipping_fee))
    assert fees == [(15_000, 0), (17_499, 2_500)]


async def test_points_spent_are_in_the_ledger_with_the_order(
    services: Services, placer: Placer
) -> None:
    member = await create_member(services.engine)
    await _give_points(services, member, 6_000)
    book = await create_product(services.engine, price=12_000)
    draft = await _draft(services, ((book, 1),), member_id=member, points=6_000)

    placement = await placer.place(draft)

    assert placement.order is not None
    assert (placement.order.total.amount, placement.order.money.card) == (14_500, 8_500)
    async with services.unit_of_work() as work:
        assert await work.points.balance(member) == 0
    assert (await _rows(services.engine, draft.id))["order"] == ("PENDING", 14_500, draft.number)


async def test_points_short_of_what_the_order_spends_write_nothing(
    services: Services, placer: Placer
) -> None:
    member = await create_member(services.engine)
    await _give_points(services, member, 5_999)
    book = await create_product(services.engine, price=12_000)
    draft = await _draft(services, ((book, 1),), member_id=member, points=6_000)

    placement = await placer.place(draft)

    assert (placement.order, placement.points_short) == (None, True)
    assert (await _rows(services.engine, draft.id))["order"] is None
    async with services.unit_of_work() as work:
        assert await work.points.balance(member) == 5_999
