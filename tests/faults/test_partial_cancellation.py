"""A partial cancellation (부분취소) while the workers that carry it crash at its worst moments:
the payment worker SIGKILLed after the gateway gave the part back and before it committed, the
stock worker after it committed the copies back and before its ack. Once each is restarted the
card's part was refunded once and the copies went back once.

The two workers are real processes on queue names of this module's own; the relay and the
delivery worker run in the test's process (two processes to start, not a cluster of six: the
machine these run on is shared)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from bootstrap import Services, build_services
from cluster.environment import role_environment
from domain.catalogue import StockLevel
from domain.commands import CancelOrderLines, OrderLine, PlaceOrder
from domain.member import Member, Role, Viewer
from domain.messages import Consumer
from domain.order import Address
from domain.ordering import place_order
from domain.partial_cancellation import cancel_order_lines
from domain.payment import Payment
from domain.status import OrderStatus
from infrastructure.database.placement import order_placer
from infrastructure.database.tables import simulated_charge_table
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings
from tests.conftest import AMQP_URL, own_database, run_id_of
from tests.support.factories import create_member, create_product
from tests.support.pipeline import Pipeline
from tests.support.processes import RoleProcess
from tests.support.rabbit import delete_topology
from tests.support.waiting import eventually

WITHIN_SECONDS = 90
ADDRESS = Address("김민준", "010-1234-5678", "04524", "서울특별시 중구 세종대로 110", None)


@pytest.fixture
async def isolated(settings: Settings) -> AsyncIterator[Services]:
    async with own_database(f"{run_id_of(settings)}_partial") as database_url:
        own = load_settings(
            **{
                **settings.model_dump(),
                "database_url": database_url,
                "amqp_prefix": settings.amqp_prefix + "-partial",
                "retry_delays": (0.5, 1.0, 2.0),
            }
        )
        services = build_services(own)
        pipeline = Pipeline(services)
        await pipeline.start([Consumer.DELIVERY], carrier=False)
        yield services
        await pipeline.stop()
        await services.close()
        await delete_topology(AMQP_URL, Names(own.amqp_prefix), own.retry_delays)


def _worker(services: Services, kind: str, log: Path, **crash: str) -> RoleProcess:
    return RoleProcess(["worker", kind], role_environment(services.settings, **crash), log)


async def _gateway_entry(services: Services, key: str) -> tuple[str, int, int]:
    ledger = simulated_charge_table.c
    async with services.engine.connect() as conn:
        row = (
            await conn.execute(
                select(ledger.status, ledger.calls, ledger.refunded).where(
                    ledger.idempotency_key == key
                )
            )
        ).one()
    return row.status, row.calls, row.refunded


async def _stock(services: Services, book: int) -> StockLevel:
    await services.products_changed([book])
    [product] = await services.store.products_by_ids([book])
    return product.stock


async def _payment(services: Services, order_id: UUID) -> Payment | None:
    found = await services.store.payments_by_order_ids([order_id])
    return found[0] if found else None


async def test_workers_killed_mid_partial_cancellation_refund_once_and_restock_once(
    isolated: Services, tmp_path: Path
) -> None:
    services = isolated
    book = await create_product(services.engine, available=10)
    other = await create_product(services.engine, available=10)
    customer = Viewer(Member(await create_member(services.engine), None, None), Role.CUSTOMER)
    workers = [_worker(services, kind, tmp_path / f"{kind}.log") for kind in ("stock", "payment")]
    try:
        for worker, kind in zip(workers, ("stock", "payment"), strict=True):
            await worker.wait_for_output(f"running: {kind}", within=WITHIN_SECONDS)
        placed = await place_order(
            PlaceOrder(
                customer, (OrderLine(book, 1), OrderLine(other, 2)), ADDRESS, "tok_ok", None
            ),
            order_placer(services.unit_of_work, services.settings.shipping_policy, services.engine),
            datetime.now(UTC),
        )
        await eventually(
            lambda: _stock(services, other),
            lambda level: level == StockLevel(available=8, reserved=0),
            within=WITHIN_SECONDS,
            what="the order paid and its stock committed",
        )
    finally:
        for worker in workers:
            assert worker.stop() == 0
    payment_crashed, stock_crashed = tmp_path / "payment-crashed", tmp_path / "stock-crashed"
    doomed = [
        _worker(
            services,
            "payment",
            tmp_path / "doomed-payment.log",
            ORDERS_CRASH_AT="after_refund_part",
            ORDERS_CRASH_MARKER=str(payment_crashed),
        ),
        _worker(
            services,
            "stock",
            tmp_path / "doomed-stock.log",
            ORDERS_CRASH_AT="before_ack",
            ORDERS_CRASH_MARKER=str(stock_crashed),
        ),
    ]
    for worker, kind in zip(doomed, ("payment", "stock"), strict=True):
        await worker.wait_for_output(f"running: {kind}", within=WITHIN_SECONDS)

    after = await cancel_order_lines(
        CancelOrderLines(customer, placed.id, (OrderLine(other, 2),), None),
        services.unit_of_work,
        services.settings.shipping_policy,
    )

    for worker in doomed:
        assert await asyncio.to_thread(worker.wait_for_exit, WITHIN_SECONDS) == -signal.SIGKILL
        worker.stop()
    key = f"refund-{placed.id}-part-1"
    assert payment_crashed.read_text() == f"after_refund_part {key}"
    assert stock_crashed.read_text() == f"before_ack order.lines_cancelled {placed.id}"
    restarted = [
        _worker(services, kind, tmp_path / f"restarted-{kind}.log") for kind in ("payment", "stock")
    ]
    part = 2 * 15_000  # the factory's books: 15,000 won, no discount; 15,000 left ships free
    try:
        payment = await eventually(
            lambda: _payment(services, placed.id),
            lambda found: found is not None and found.refunded == part,
            within=WITHIN_SECONDS,
            what="the part refunded and recorded",
        )
        await eventually(
            lambda: asyncio.to_thread(restarted[1].log_path.read_text),
            lambda log: "duplicate absorbed" in log,
            within=WITHIN_SECONDS,
            what="the stock worker's redelivery absorbed",
        )
    finally:
        for worker in restarted:
            assert worker.stop() == 0

    assert (after.total.amount, after.shipping_fee) == (placed.total.amount - part, 0)
    assert payment is not None
    assert payment.left.amount == after.total.amount
    # the gateway was called twice with the part's key and gave the money back once
    assert await _gateway_entry(services, key) == ("REFUNDED", 2, 0)
    assert await _gateway_entry(services, f"charge-{placed.id}") == ("APPROVED", 1, part)
    # the stock worker committed the copies back before it died; its redelivery changed nothing
    assert await _stock(services, other) == StockLevel(available=10, reserved=0)
    assert await _stock(services, book) == StockLevel(available=9, reserved=0)
    [order] = await services.store.orders_by_ids([placed.id])
    assert (order.status, order.partial_cancellations) == (OrderStatus.PREPARING, 1)
