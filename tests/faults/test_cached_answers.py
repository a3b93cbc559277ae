"""The response cache under crashes: a payment worker SIGKILLed after its commit and before its ack
(and before its own drop of the answers: it has none, here), then the response cache's consumer
SIGKILLed after it took that commit's event and before it dropped anything. The kept answer
stays stale while nobody has consumed the event; once the event is redelivered to the consumer
started again, the next answers are the database's, and they are kept again (no stale answer is
stored back).

The two workers are real processes on queue names of this module's own; the relay (and, before
the crashes, the stock worker) run in the test's process, and the API in it through httpx."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import aio_pika
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from api_app import create_app
from bootstrap import Services, build_services
from domain.commands import OrderLine, PlaceOrder
from domain.member import Member, Role, Viewer
from domain.messages import Consumer
from domain.ordering import place_order
from domain.status import OrderStatus
from infrastructure.database.placement import order_placer
from infrastructure.database.tables import outbox_table
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings
from resolvers.common.ids import to_global_id
from tests.conftest import AMQP_URL, own_database, run_id_of
from tests.faults.part_workers import ADDRESS, WITHIN_SECONDS, crashable_worker
from tests.support.factories import create_member, create_product, token_for
from tests.support.pipeline import Pipeline
from tests.support.processes import RoleProcess
from tests.support.rabbit import delete_topology
from tests.support.waiting import eventually

ORDER = "query Order($id: ID!) { order(id: $id) { status payment { status } } }"


@pytest.fixture
async def isolated(settings: Settings) -> AsyncIterator[Services]:
    async with own_database(f"{run_id_of(settings)}_cached") as database_url:
        own = load_settings(
            **{
                **settings.model_dump(),
                "database_url": database_url,
                "amqp_prefix": settings.amqp_prefix + "-cached",
                "cache_prefix": settings.cache_prefix + "-cached",
                "retry_delays": (0.5, 1.0, 2.0),
                "response_cache": True,
            }
        )
        services = build_services(own)
        yield services
        await services.close()
        await delete_topology(AMQP_URL, Names(own.amqp_prefix), own.retry_delays)


async def _killed(worker: RoleProcess) -> None:
    assert await asyncio.to_thread(worker.wait_for_exit, WITHIN_SECONDS) == -signal.SIGKILL
    worker.stop()


async def _status(services: Services, order_id: UUID) -> OrderStatus:
    [order] = await services.store.orders_by_ids([order_id])
    return order.status


async def _unpublished(services: Services) -> int:
    async with services.engine.connect() as conn:
        query = select(func.count()).where(outbox_table.c.published_at.is_(None))
        return int((await conn.execute(query)).scalar_one())


async def _forget_earlier_events(services: Services) -> None:
    """Empty the cache's queue of what was published so far: the answer kept next is read
    after those commits, so what they would drop is not in it."""
    await eventually(
        lambda: _unpublished(services), lambda count: count == 0, what="the outbox published"
    )
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(
            Names(services.settings.amqp_prefix).work_queue(Consumer.CACHE), passive=True
        )
        await queue.purge()


async def test_a_worker_killed_after_its_commit_leaves_no_stale_answer_once_redelivered(
    isolated: Services, tmp_path: Path
) -> None:
    services = isolated
    member = await create_member(services.engine)
    customer = Viewer(Member(member, None, None), Role.CUSTOMER)
    token = token_for(services.settings.effective_jwt_secret, member)
    book = await create_product(services.engine, available=10)
    pipeline = Pipeline(services)
    await pipeline.start([Consumer.STOCK], carrier=False)
    try:
        await _crashes_and_redelivery(services, pipeline, customer, token, book, tmp_path)
    finally:
        await pipeline.stop()


async def _crashes_and_redelivery(
    services: Services, pipeline: Pipeline, customer: Viewer, token: str, book: int, tmp_path: Path
) -> None:
    placed = await place_order(
        PlaceOrder(customer, (OrderLine(book, 1),), ADDRESS, "tok_ok", None),
        order_placer(services.unit_of_work, services.settings.shipping_policy, services.engine),
        datetime.now(UTC),
    )
    await eventually(
        lambda: _status(services, placed.id),
        lambda status: status is OrderStatus.STOCK_RESERVED,
        within=WITHIN_SECONDS,
        what="the stock reserved",
    )
    await pipeline.stop()
    await pipeline.start([], carrier=False)  # the relay alone from here on
    await _forget_earlier_events(services)

    transport = ASGITransport(app=create_app(services))
    async with AsyncClient(transport=transport, base_url="http://t") as client:

        async def read() -> dict[str, Any]:
            response = await client.post(
                "/graphql",
                json={"query": ORDER, "variables": {"id": to_global_id("Order", placed.id)}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.text
            answer: dict[str, Any] = response.json()
            return answer

        def seen(answer: dict[str, Any]) -> tuple[bool, str]:
            return answer["extensions"]["responseCache"]["hit"], answer["data"]["order"]["status"]

        await read()
        assert seen(await read()) == (True, "STOCK_RESERVED")

        paid, dropped = tmp_path / "payment-crashed", tmp_path / "cache-crashed"
        payment = crashable_worker(  # its own drop after the commit off: as if it died before it
            services,
            "payment",
            tmp_path / "doomed-payment.log",
            ORDERS_CRASH_AT="before_ack",
            ORDERS_CRASH_MARKER=str(paid),
            ORDERS_RESPONSE_CACHE="off",
        )
        await _killed(payment)
        assert paid.read_text() == f"before_ack stock.reserved {placed.id}"
        assert await _status(services, placed.id) is OrderStatus.PAID
        assert seen(await read()) == (True, "STOCK_RESERVED")  # nobody dropped it yet

        cache = crashable_worker(
            services,
            "cache",
            tmp_path / "doomed-cache.log",
            ORDERS_CRASH_AT="before_invalidate",
            ORDERS_CRASH_MARKER=str(dropped),
        )
        await _killed(cache)
        # the payment's two commits' events (its attempt's order.changed, payment.approved)
        # were both in its hands, unacked; whichever it reached first killed it
        assert dropped.read_text() in {
            f"before_invalidate {event} {placed.id}"
            for event in ("order.changed", "payment.approved")
        }
        assert seen(await read()) == (True, "STOCK_RESERVED")  # its events taken, not acked

        restarted = [
            crashable_worker(services, kind, tmp_path / f"restarted-{kind}.log")
            for kind in ("payment", "cache")
        ]
        try:
            fresh = await eventually(
                read,
                lambda answer: seen(answer)[1] == "PAID",
                within=WITHIN_SECONDS,
                what="the payment read through the cache once its event was redelivered",
            )
            assert fresh["data"]["order"]["payment"] == {"status": "APPROVED"}
            kept = await eventually(
                read, lambda answer: seen(answer)[0], within=WITHIN_SECONDS, what="kept again"
            )
            assert seen(kept) == (True, "PAID")
            await eventually(
                lambda: asyncio.to_thread(restarted[0].log_path.read_text),
                lambda log: "duplicate absorbed" in log,
                within=WITHIN_SECONDS,
                what="the payment worker's redelivery absorbed",
            )
        finally:
            for worker in restarted:
                assert worker.stop() == 0
