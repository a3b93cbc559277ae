"""Each fault test gets the service as separate processes, on queue names of its own, and a
catalogue of its own; the tally is taken over every order its stream placed."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bootstrap import Services, build_services
from cluster.supervisor import Cluster as RoleCluster
from cluster.supervisor import Topology
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings
from tests.conftest import AMQP_URL, own_database, run_id_of
from tests.faults.at_scale import WATCH_EVERY, ScaleRun, Watchers
from tests.faults.cluster import Cluster
from tests.faults.stream import OrderStream
from tests.faults.tally import Tally, drain_and_tally
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.rabbit import delete_topology

FAULT_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)
"""15.5 s of retries: longer than any outage the tests inject, as production's are."""
BOOK_STOCK = 1000


@dataclass
class FaultRun:
    services: Services
    settings: Settings
    cluster: Cluster
    stream: OrderStream
    initial_stock: dict[int, int]
    weather: Path

    async def tally(self) -> Tally:
        tally = await drain_and_tally(
            self.services, self.stream.placed, self.initial_stock, self.cluster.logs()
        )
        print(f"\nfault tally: {tally}; unanswered {self.stream.unanswered}")  # noqa: T201
        return tally


@pytest.fixture
async def fault_run(settings: Settings, tmp_path: Path) -> AsyncIterator[FaultRun]:
    """A database, queue names and processes of this test only."""
    suffix = secrets.token_hex(3)
    async with own_database(f"{run_id_of(settings)}_fault_{suffix}") as database_url:
        async for run in _fault_run(settings, database_url, suffix, tmp_path):
            yield run


async def _fault_run(
    settings: Settings, database_url: str, suffix: str, tmp_path: Path
) -> AsyncIterator[FaultRun]:
    own = load_settings(
        **{
            **settings.model_dump(),
            "database_url": database_url,
            "amqp_prefix": f"{settings.amqp_prefix}-fault-{suffix}",
            "retry_delays": FAULT_RETRY_DELAYS,
            "consumer_check_seconds": 2.0,
            "gateway_timeout_seconds": 1.0,
            "simulated_gateway_weather": str(tmp_path / "weather.json"),
            "rate_limit_points": 10_000_000,
        }
    )
    services = build_services(own)
    books = [await create_product(services.engine, available=BOOK_STOCK) for _ in range(5)]
    scarce = await create_product(services.engine, available=0)
    member = random_member_id()
    token = token_for(own.effective_jwt_secret, member)
    cluster = Cluster(own, tmp_path)
    await cluster.start()
    stream = OrderStream(cluster.url, token, books, scarce, orders=120, per_second=8)
    try:
        yield FaultRun(
            services=services,
            settings=own,
            cluster=cluster,
            stream=stream,
            initial_stock={**dict.fromkeys(books, BOOK_STOCK), scarce: 0},
            weather=tmp_path / "weather.json",
        )
    finally:
        await cluster.stop()
        await services.close()
        await delete_topology(AMQP_URL, Names(own.amqp_prefix), own.retry_delays)


@pytest.fixture
async def scale_run(settings: Settings, tmp_path: Path) -> AsyncIterator[ScaleRun]:
    """The cluster of `make cluster` on a database and quorum queues of this test's own."""
    suffix = secrets.token_hex(3)
    async with own_database(f"{run_id_of(settings)}_scale_{suffix}") as database_url:
        own = load_settings(
            **{
                **settings.model_dump(),
                "database_url": database_url,
                "amqp_prefix": f"{settings.amqp_prefix}-scale-{suffix}",
                "queue_type": "quorum",
                "retry_delays": FAULT_RETRY_DELAYS,
                "consumer_check_seconds": 2.0,
                "gateway_timeout_seconds": 1.0,
                "rate_limit_points": 10_000_000,
            }
        )
        services = build_services(own)
        books = [await create_product(services.engine, available=BOOK_STOCK) for _ in range(5)]
        scarce = await create_product(services.engine, available=0)
        member = random_member_id()
        token = token_for(own.effective_jwt_secret, member)
        cluster = RoleCluster(own, tmp_path)
        try:
            await cluster.start(Topology())
            watchers = Watchers(cluster.api_url("api-2"), token)
            stream = OrderStream(cluster.url, token, books, scarce, orders=160, per_second=8)
            stream.on_placed = lambda placed: (
                watchers.follow(placed) if len(stream.placed) % WATCH_EVERY == 0 else None
            )
            yield ScaleRun(
                services=services,
                cluster=cluster,
                stream=stream,
                watchers=watchers,
                member=member,
                initial_stock={**dict.fromkeys(books, BOOK_STOCK), scarce: 0},
            )
        finally:
            await cluster.stop()
            await services.close()
            await delete_topology(AMQP_URL, Names(own.amqp_prefix), own.retry_delays)
