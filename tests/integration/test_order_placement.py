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
from domain.money import Money
from domain.order import Address, OrderDraft
from infrastructure.database.placement import PostgresOrderPlacer, UnitOfWorkOrderPlacer
from infrastructure.database.tables import (
    order_event_table,
    order_item_table,
    order_table,
    outbox_table,
)
from tests.support.factories import create_member, create_product

Placer = UnitOfWorkOrderPlacer
PLACERS: dict[str, Callable[[Services], Placer]] = {
    "unit of work": lambda services: UnitOfWorkOrderPlacer(services.unit_of_work),
    "one statement": lambda services: PostgresOrderPlacer(services.unit_of_work, services.engine),
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
        books[0]: Money(12000),
        books[1]: Money(8000),
        books[2]: Money(15000),
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

    assert placement == type(placement)({book: Money(9000)}, placed=False)
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
