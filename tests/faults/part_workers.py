"""What the fault tests of a numbered part of an order (a partial cancellation, a return) share:
the workers they crash, as real processes, and what they read back."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from bootstrap import Services, build_services
from cluster.environment import role_environment
from domain.catalogue import StockLevel
from domain.commands import OrderLine, PlaceOrder
from domain.member import Member, Role, Viewer
from domain.messages import Consumer
from domain.order import Address, Order
from domain.ordering import place_order
from domain.payment import Payment
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


def crashable_worker(services: Services, kind: str, log: Path, **crash: str) -> RoleProcess:
    return RoleProcess(["worker", kind], role_environment(services.settings, **crash), log)


async def gateway_entry(services: Services, key: str) -> tuple[str, int, int]:
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


async def stock_of(services: Services, book: int) -> StockLevel:
    await services.products_changed([book])
    [product] = await services.store.products_by_ids([book])
    return product.stock


async def payment_of(services: Services, order_id: UUID) -> Payment | None:
    found = await services.store.payments_by_order_ids([order_id])
    return found[0] if found else None


@dataclass(frozen=True)
class Shop:
    """A customer of its own and two books of the factory's (₩15,000 each, no discount), ten
    of each in stock."""

    customer: Viewer
    book: int
    other: int

    @classmethod
    async def opened(cls, services: Services) -> Shop:
        book = await create_product(services.engine, available=10)
        other = await create_product(services.engine, available=10)
        member = Member(await create_member(services.engine), None, None)
        return cls(Viewer(member, Role.CUSTOMER), book, other)


async def placed_by_workers(
    services: Services,
    tmp_path: Path,
    shop: Shop,
    ready: Callable[[UUID], Awaitable[bool]],
    what: str,
) -> Order:
    """The shop's customer's order of one `book` and two `other`, placed and carried by a stock
    and a payment worker of their own until `ready` says so; then they stop."""
    workers = [
        crashable_worker(services, kind, tmp_path / f"{kind}.log") for kind in ("stock", "payment")
    ]
    try:
        for worker, kind in zip(workers, ("stock", "payment"), strict=True):
            await worker.wait_for_output(f"running: {kind}", within=WITHIN_SECONDS)
        placed = await place_order(
            PlaceOrder(
                shop.customer,
                (OrderLine(shop.book, 1), OrderLine(shop.other, 2)),
                ADDRESS,
                "tok_ok",
                None,
            ),
            order_placer(services.unit_of_work, services.settings.shipping_policy, services.engine),
            datetime.now(UTC),
        )
        await eventually(
            lambda: ready(placed.id), lambda done: done, within=WITHIN_SECONDS, what=what
        )
    finally:
        for worker in workers:
            assert worker.stop() == 0
    return placed


@dataclass
class Doomed:
    """A payment worker that dies after the gateway gave a part back, and a stock worker that
    dies before its ack, each writing where it died."""

    workers: list[RoleProcess]
    markers: list[Path]

    @classmethod
    async def started(cls, services: Services, tmp_path: Path) -> Doomed:
        crashes = {"payment": "after_refund_part", "stock": "before_ack"}
        markers = [tmp_path / f"{kind}-crashed" for kind in crashes]
        workers = [
            crashable_worker(
                services,
                kind,
                tmp_path / f"doomed-{kind}.log",
                ORDERS_CRASH_AT=crash,
                ORDERS_CRASH_MARKER=str(marker),
            )
            for (kind, crash), marker in zip(crashes.items(), markers, strict=True)
        ]
        for worker, kind in zip(workers, crashes, strict=True):
            await worker.wait_for_output(f"running: {kind}", within=WITHIN_SECONDS)
        return cls(workers, markers)

    async def killed(self) -> list[str]:
        """Where the payment worker and the stock worker died, once both have."""
        for worker in self.workers:
            assert await asyncio.to_thread(worker.wait_for_exit, WITHIN_SECONDS) == -signal.SIGKILL
            worker.stop()
        return [marker.read_text() for marker in self.markers]


async def refunded_after_restart(
    services: Services, tmp_path: Path, order_id: UUID, part: int
) -> Payment:
    """Fresh payment and stock workers: the payment once the part is refunded, and the stock
    worker's redelivery absorbed."""
    restarted = [
        crashable_worker(services, kind, tmp_path / f"restarted-{kind}.log")
        for kind in ("payment", "stock")
    ]
    try:
        found = await eventually(
            lambda: payment_of(services, order_id),
            lambda payment: payment is not None and payment.refunded == part,
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
    assert found is not None
    return found


@asynccontextmanager
async def isolated_services(
    settings: Settings, name: str, *, carrier: bool
) -> AsyncIterator[Services]:
    """Services on a database and queue names of their own, the relay and the delivery worker
    running in this process (and the carrier's clock, when `carrier`)."""
    async with own_database(f"{run_id_of(settings)}_{name}") as database_url:
        own = load_settings(
            **{
                **settings.model_dump(),
                "database_url": database_url,
                "amqp_prefix": f"{settings.amqp_prefix}-{name}",
                "retry_delays": (0.5, 1.0, 2.0),
            }
        )
        services = build_services(own)
        pipeline = Pipeline(services)
        await pipeline.start([Consumer.DELIVERY], carrier=carrier)
        try:
            yield services
        finally:
            await pipeline.stop()
            await services.close()
            await delete_topology(AMQP_URL, Names(own.amqp_prefix), own.retry_delays)


def isolated_fixture(name: str, *, carrier: bool) -> Callable[..., object]:
    """A test module's `isolated` fixture (`isolated = isolated_fixture(...)`: pytest finds it
    by the name the module gives it): `isolated_services` under `name`."""

    @pytest.fixture
    async def isolated(settings: Settings) -> AsyncIterator[Services]:
        async with isolated_services(settings, name, carrier=carrier) as services:
            yield services

    return isolated
