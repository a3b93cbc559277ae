"""`main.py run` on the embedded default: SQLite, in-memory cache, no server installed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient

from bootstrap import Services, build_services, create_app
from domain.catalogue import StockLevel
from domain.status import CancelReason, OrderStatus
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.settings import load_settings
from tests.support.embedded import embedded_run
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import place_ok, read_order, settled
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually


@pytest.fixture
def embedded_server(tmp_path: Path) -> Iterator[str]:
    with embedded_run(tmp_path) as url:
        yield url


def test_make_run_serves_the_seeded_catalogue_with_no_server_installed(
    embedded_server: str,
) -> None:
    query = '{ products(first: 5, search: "한강") { totalCount edges { node { title author } } } }'
    response = httpx.post(f"{embedded_server}/graphql", json={"query": query}, timeout=10)

    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["products"]["totalCount"] >= 2
    assert {e["node"]["author"] for e in body["data"]["products"]["edges"]} == {"한강"}
    graphiql = httpx.get(f"{embedded_server}/graphql", headers={"Accept": "text/html"}, timeout=5)
    assert "graphiql" in graphiql.text.lower()


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[Services]:
    """SQLite, the in-memory cache and the in-process bus: what `make run` uses."""
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'orders.db'}",
        redis_url="memory://",
        amqp_url="memory://",
        retry_delays=(0.1, 0.2),
        carrier_step_seconds=0.1,
    )
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    services = build_services(settings)
    pipeline = Pipeline(services)
    await pipeline.start()
    yield services
    await pipeline.stop()
    await services.close()


async def test_the_embedded_bus_carries_orders_to_delivered_and_declines_to_cancelled(
    embedded: Services,
) -> None:
    customer = token_for(embedded.settings.effective_jwt_secret, random_member_id())
    book = await create_product(embedded.engine, available=5)
    app = create_app(embedded)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        await graphql(client, "{ me { id } }", token=customer)
        delivered = await place_ok(client, customer, [(book, 2)])
        declined = await place_ok(client, customer, [(book, 1)], token="tok_decline")
        flaky = await place_ok(client, customer, [(book, 1)], token="tok_flaky_1")

    await eventually(
        lambda: read_order(embedded, delivered),
        lambda order: order.status is OrderStatus.DELIVERED,
        what="delivery on the embedded bus",
    )
    cancelled = await settled(embedded, declined)
    assert (cancelled.status, cancelled.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.PAYMENT_DECLINED,
    )
    await settled(embedded, flaky)
    [payment] = await embedded.store.payments_by_order_ids([flaky])
    assert payment.attempts == 2

    async def stock() -> StockLevel:
        await embedded.store.forget_products([book])
        [product] = await embedded.store.products_by_ids([book])
        return product.stock

    await eventually(
        stock,
        lambda level: level == StockLevel(available=2, reserved=0),
        what="stock after one delivered order of 2, one declined and one paid order of 1",
    )
