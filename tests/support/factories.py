"""Test data written straight to the database, with random keys so tests never collide."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.catalogue import isbn13_check_digit
from domain.member import Role
from domain.status import DeliveryStatus, OrderStatus, PaymentStatus
from infrastructure.auth import mint_token
from infrastructure.database.tables import (
    delivery_event_table,
    delivery_table,
    member_table,
    order_event_table,
    order_item_table,
    order_table,
    payment_table,
    product_table,
    stock_table,
)
from infrastructure.database.types import utc_now


def random_isbn() -> str:
    first_twelve = "979" + "".join(secrets.choice("0123456789") for _ in range(9))
    return first_twelve + str(isbn13_check_digit(first_twelve))


def random_member_id() -> str:
    return f"member-{secrets.token_hex(6)}"


def token_for(secret: str, member_id: str, role: Role = Role.CUSTOMER) -> str:
    return mint_token(secret=secret, member_id=member_id, role=role, name=f"Name of {member_id}")


async def create_product(
    engine: AsyncEngine,
    *,
    title: str | None = None,
    author: str = "Test Author",
    price: int = 15000,
    available: int = 10,
    discount_rate: int = 0,
    points_rate: int = 0,
) -> int:
    now = utc_now()
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(product_table)
            .values(
                isbn=random_isbn(),
                title=title or f"Test Book {secrets.token_hex(4)}",
                author=author,
                publisher="Test Press",
                price=price,
                currency="KRW",
                discount_rate=discount_rate,
                points_rate=points_rate,
                created_at=now,
                updated_at=now,
            )
            .returning(product_table.c.id)
        )
        product_id = int(result.scalar_one())
        await conn.execute(
            insert(stock_table).values(
                product_id=product_id, available=available, reserved=0, updated_at=now
            )
        )
    return product_id


async def create_member(engine: AsyncEngine, member_id: str | None = None) -> str:
    member_id = member_id or random_member_id()
    now = utc_now()
    async with engine.begin() as conn:
        await conn.execute(
            insert(member_table).values(
                id=member_id, name=f"Name of {member_id}", created_at=now, updated_at=now
            )
        )
    return member_id


@dataclass(frozen=True)
class CreatedOrder:
    id: uuid.UUID
    created_at: datetime


async def create_order(
    engine: AsyncEngine,
    *,
    member_id: str,
    product_ids: list[int],
    created_at: datetime | None = None,
    status: OrderStatus = OrderStatus.PREPARING,
    recipient: str = "홍길동",
) -> CreatedOrder:
    """An order with a line per product, its history, a payment and a delivery with events."""
    created = created_at or utc_now()
    order_id = uuid.uuid4()
    unit_price = 12000
    async with engine.begin() as conn:
        await conn.execute(
            insert(order_table).values(
                id=order_id,
                number=f"T-{secrets.token_hex(6).upper()}",
                member_id=member_id,
                status=status.value,
                total_amount=unit_price * len(product_ids),
                currency="KRW",
                recipient=recipient,
                phone="010-1234-5678",
                zip_code="04524",
                line1="서울특별시 중구 세종대로 110",
                created_at=created,
                updated_at=created,
            )
        )
        await conn.execute(
            insert(order_item_table),
            [
                {
                    "order_id": order_id,
                    "product_id": pid,
                    "quantity": 1,
                    "unit_price": unit_price,
                    "currency": "KRW",
                    "order_created_at": created,
                }
                for pid in product_ids
            ],
        )
        await conn.execute(
            insert(order_event_table),
            [
                {"order_id": order_id, "status": s.value, "occurred_at": created}
                for s in (OrderStatus.PENDING, OrderStatus.STOCK_RESERVED, OrderStatus.PAID)
            ],
        )
        await conn.execute(
            insert(payment_table).values(
                id=uuid.uuid4(),
                order_id=order_id,
                status=PaymentStatus.APPROVED.value,
                amount=unit_price * len(product_ids),
                currency="KRW",
                transaction_id=f"tx-{secrets.token_hex(4)}",
                attempts=1,
                approved_at=created,
                created_at=created,
                updated_at=created,
            )
        )
        delivery_id = uuid.uuid4()
        await conn.execute(
            insert(delivery_table).values(
                id=delivery_id,
                order_id=order_id,
                status=DeliveryStatus.PICKED_UP.value,
                carrier="CJ Logistics",
                tracking_number=str(secrets.randbelow(10**12)).zfill(12),
                created_at=created,
                updated_at=created,
            )
        )
        await conn.execute(
            insert(delivery_event_table),
            [
                {
                    "delivery_id": delivery_id,
                    "status": s.value,
                    "location": "Gonjiam hub",
                    "occurred_at": created + timedelta(minutes=i),
                }
                for i, s in enumerate((DeliveryStatus.PREPARING, DeliveryStatus.PICKED_UP))
            ],
        )
    return CreatedOrder(id=order_id, created_at=created)
