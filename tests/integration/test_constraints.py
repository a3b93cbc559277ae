"""The database itself refuses data that would break the rules."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from bootstrap import Services
from infrastructure.database.tables import order_table, product_table, stock_table
from infrastructure.database.types import utc_now
from tests.support.factories import create_member, create_product


async def test_stock_can_never_go_negative(services: Services) -> None:
    product_id = await create_product(services.engine, available=2)
    for column in ("available", "reserved"):
        with pytest.raises(IntegrityError, match="not_negative"):
            async with services.engine.begin() as conn:
                await conn.execute(
                    update(stock_table)
                    .where(stock_table.c.product_id == product_id)
                    .values({column: -1})
                )


async def test_an_isbn_belongs_to_one_book(services: Services) -> None:
    product_id = await create_product(services.engine)
    async with services.engine.connect() as conn:
        isbn = (
            (await conn.execute(product_table.select().where(product_table.c.id == product_id)))
            .one()
            .isbn
        )
    now = utc_now()
    with pytest.raises(IntegrityError, match="uq_product_isbn"):
        async with services.engine.begin() as conn:
            await conn.execute(
                insert(product_table).values(
                    isbn=isbn, title="Copy", author="A", price=1000, created_at=now, updated_at=now
                )
            )


async def test_an_idempotency_key_makes_one_order_per_member(services: Services) -> None:
    member_id = await create_member(services.engine)
    now = utc_now()

    def order(number: str) -> dict[str, object]:
        return {
            "id": uuid.uuid4(),
            "number": number,
            "member_id": member_id,
            "status": "PENDING",
            "total_amount": 1000,
            "recipient": "r",
            "phone": "p",
            "zip_code": "z",
            "line1": "l",
            "idempotency_key": "key-1",
            "created_at": now,
            "updated_at": now,
        }

    async with services.engine.begin() as conn:
        await conn.execute(insert(order_table).values(order(f"N-{uuid.uuid4().hex[:8]}")))
    with pytest.raises(IntegrityError, match="uq_orders_member_id_idempotency_key"):
        async with services.engine.begin() as conn:
            await conn.execute(insert(order_table).values(order(f"N-{uuid.uuid4().hex[:8]}")))
