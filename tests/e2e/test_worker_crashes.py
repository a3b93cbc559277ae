"""A payment worker SIGKILLed at the worst moments: after restart every order finishes,
charged once, with stock exact. The worker is a real subprocess on its own queue names."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from api_app import create_app
from bootstrap import Services, build_services
from cluster.environment import role_environment
from domain.catalogue import StockLevel
from domain.messages import Consumer
from domain.status import OrderStatus, PaymentStatus
from infrastructure.database.tables import simulated_charge_table
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings
from tests.conftest import AMQP_URL, own_database, run_id_of
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import place_ok, settled
from tests.support.pipeline import Pipeline
from tests.support.processes import RoleProcess
from tests.support.rabbit import delete_topology
from tests.support.waiting import eventually


@pytest.fixture(scope="module")
async def isolated(settings: Settings) -> AsyncIterator[Services]:
    """A database and queue names of this module only, so that no other message reaches the
    worker that is about to crash."""
    async with own_database(f"{run_id_of(settings)}_crash") as database_url:
        own = load_settings(
            **{
                **settings.model_dump(),
                "database_url": database_url,
                "amqp_prefix": settings.amqp_prefix + "-crash",
            }
        )
        services = build_services(own)
        yield services
        await services.close()
        await delete_topology(AMQP_URL, Names(own.amqp_prefix), own.retry_delays)


@pytest.fixture
async def shop(isolated: Services) -> AsyncIterator[tuple[AsyncClient, Pipeline]]:
    """The API, and every role but the payment worker, in this process."""
    pipeline = Pipeline(isolated)
    await pipeline.start([Consumer.STOCK, Consumer.DELIVERY], carrier=False)
    app = create_app(isolated)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client, pipeline
    await pipeline.stop()


async def _charge_calls(services: Services, order_id: object) -> list[tuple[str, int, str]]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(
                simulated_charge_table.c.status,
                simulated_charge_table.c.calls,
                simulated_charge_table.c.transaction_id,
            ).where(simulated_charge_table.c.idempotency_key == f"charge-{order_id}")
        )
        return [(r.status, r.calls, r.transaction_id) for r in rows]


@pytest.mark.parametrize(("crash_at", "gateway_calls"), [("before_ack", 1), ("after_charge", 2)])
async def test_a_killed_payment_worker_charges_each_order_once_after_restart(
    isolated: Services,
    shop: tuple[AsyncClient, Pipeline],
    tmp_path: Path,
    crash_at: str,
    gateway_calls: int,
) -> None:
    client, _ = shop
    settings = isolated.settings
    book = await create_product(isolated.engine, available=6)
    customer = token_for(settings.effective_jwt_secret, random_member_id())
    marker = tmp_path / "crashed"
    doomed = RoleProcess(
        ["worker", "payment"],
        role_environment(settings, ORDERS_CRASH_AT=crash_at, ORDERS_CRASH_MARKER=str(marker)),
        tmp_path / "doomed.log",
    )
    await doomed.wait_for_output("running: payment")

    order_id = await place_ok(client, customer, [(book, 2)])
    exit_code = await asyncio.to_thread(doomed.wait_for_exit, 60)
    doomed.stop()

    assert exit_code == -signal.SIGKILL
    assert str(order_id) in marker.read_text()
    restarted = RoleProcess(
        ["worker", "payment"], role_environment(settings), tmp_path / "restarted.log"
    )
    await restarted.wait_for_output("running: payment")
    try:
        order = await settled(isolated, order_id, within=60)
    finally:
        assert restarted.stop() == 0  # a graceful stop on SIGTERM

    assert order.status is OrderStatus.PREPARING
    [payment] = await isolated.store.payments_by_order_ids([order_id])
    assert payment.status is PaymentStatus.APPROVED
    [(status, calls, transaction_id)] = await _charge_calls(isolated, order_id)
    assert (status, calls) == ("APPROVED", gateway_calls)
    assert payment.transaction_id == transaction_id
    await isolated.products_changed([book])
    [product] = await isolated.store.products_by_ids([book])
    assert product.stock == StockLevel(available=4, reserved=0)
    await eventually(
        lambda: isolated.broker.parked(Consumer.PAYMENT, 10),
        lambda parked: parked == [],
        what="an empty parking lot",
    )
