"""The tally over every order a stream placed: lost, double effects, duplicates absorbed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from bootstrap import Services
from domain.status import OrderStatus, PaymentStatus
from infrastructure.database.tables import (
    order_event_table,
    payment_table,
    simulated_charge_table,
    stock_reservation_table,
    stock_table,
)
from tests.faults.stream import Placed
from tests.support.waiting import eventually

SHIPPING = {OrderStatus.PREPARING, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
DRAIN_DEADLINE_SECONDS = 120


@dataclass
class Tally:
    orders: int
    lost: list[str] = field(default_factory=list)
    double_effects: list[str] = field(default_factory=list)
    duplicates_absorbed: int = 0

    def __str__(self) -> str:
        return (
            f"orders {self.orders}, lost {len(self.lost)}, double effects "
            f"{len(self.double_effects)}, duplicates absorbed {self.duplicates_absorbed}"
        )


async def _unfinished(services: Services, placed: list[Placed]) -> list[str]:
    """Orders not yet where they end: shipping and paid, or cancelled with nothing held."""
    ids = [p.order_id for p in placed]
    orders = {o.id: o for o in await services.store.orders_by_ids(ids)}
    payments = {p.order_id: p for p in await services.store.payments_by_order_ids(ids)}
    async with services.engine.connect() as conn:
        held = set(
            (
                await conn.execute(
                    select(stock_reservation_table.c.order_id).where(
                        stock_reservation_table.c.order_id.in_(ids),
                        stock_reservation_table.c.status.in_(["RESERVED", "COMMITTED"]),
                    )
                )
            ).scalars()
        )
        charged = set(
            (
                await conn.execute(
                    select(simulated_charge_table.c.idempotency_key).where(
                        simulated_charge_table.c.status == "APPROVED"
                    )
                )
            ).scalars()
        )
    unfinished = []
    for p in placed:
        order = orders[p.order_id]
        payment = payments.get(p.order_id)
        money_kept = f"charge-{p.order_id}" in charged
        if order.status in SHIPPING:
            if payment is None or payment.status is not PaymentStatus.APPROVED or not money_kept:
                unfinished.append(f"{p.order_id} {order.status.value} without payment")
        elif order.status is OrderStatus.CANCELLED:
            if p.order_id in held or money_kept:
                unfinished.append(f"{p.order_id} cancelled, not yet compensated")
        else:
            unfinished.append(f"{p.order_id} still {order.status.value}")
    return unfinished


async def drain_and_tally(
    services: Services, placed: list[Placed], initial_stock: dict[int, int], logs: str
) -> Tally:
    tally = Tally(orders=len(placed))
    try:
        await eventually(
            lambda: _unfinished(services, placed),
            lambda unfinished: unfinished == [],
            within=DRAIN_DEADLINE_SECONDS,
            what="every order finishing",
        )
    except AssertionError:
        tally.lost = await _unfinished(services, placed)
    tally.double_effects = await _double_effects(services, placed, initial_stock)
    tally.duplicates_absorbed = logs.count("duplicate absorbed")
    return tally


async def _double_effects(
    services: Services, placed: list[Placed], initial_stock: dict[int, int]
) -> list[str]:
    ids = [p.order_id for p in placed]
    found: list[str] = []
    async with services.engine.connect() as conn:
        history = await conn.execute(
            select(order_event_table.c.order_id, order_event_table.c.status).where(
                order_event_table.c.order_id.in_(ids)
            )
        )
        for (order_id, status), times in Counter(map(tuple, history.all())).items():
            if times > 1:
                found.append(f"{order_id} went to {status} {times} times")
        attempts = await conn.execute(
            select(payment_table.c.order_id, payment_table.c.status).where(
                payment_table.c.order_id.in_(ids)
            )
        )
        for order_id, status in attempts.all():
            if status == "REFUNDED":
                order = (await services.store.orders_by_ids([order_id]))[0]
                if order.status is not OrderStatus.CANCELLED:
                    found.append(f"{order_id} refunded but {order.status.value}")
        held = await conn.execute(
            select(
                stock_reservation_table.c.product_id,
                stock_reservation_table.c.quantity,
                stock_reservation_table.c.status,
            ).where(stock_reservation_table.c.product_id.in_(list(initial_stock)))
        )
        taken: Counter[int] = Counter()
        reserved: Counter[int] = Counter()
        for product_id, quantity, status in held.all():
            if status in ("RESERVED", "COMMITTED"):
                taken[product_id] += quantity
            if status == "RESERVED":
                reserved[product_id] += quantity
        levels = await conn.execute(
            select(stock_table.c.product_id, stock_table.c.available, stock_table.c.reserved).where(
                stock_table.c.product_id.in_(list(initial_stock))
            )
        )
        for product_id, available, now_reserved in levels.all():
            expected = initial_stock[product_id] - taken[product_id]
            if (available, now_reserved) != (expected, reserved[product_id]):
                found.append(
                    f"book {product_id}: available {available}, reserved {now_reserved}; "
                    f"expected {expected}, {reserved[product_id]}"
                )
    return found
