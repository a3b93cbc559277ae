"""`main.py run` on the embedded default: SQLite, in-memory cache, no server installed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient

from api_app import create_app
from bootstrap import Services, build_services
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


def test_make_run_logs_readable_lines_in_development(tmp_path: Path) -> None:
    with embedded_run(tmp_path) as url:
        httpx.get(f"{url}/healthz", timeout=5)
    printed = (tmp_path / "run.log").read_text()

    assert "\x1b" not in printed
    assert f"GraphiQL: {url}/graphql" in printed
    logged = [line for line in printed.splitlines() if " INFO " in line]
    assert any(" uvicorn.error  Uvicorn running on " in line for line in logged), printed
    assert any(" uvicorn.access  " in line and "/healthz" in line for line in logged), printed
    assert not any(line.startswith("{") for line in printed.splitlines())


def test_make_run_in_production_logs_json_and_prints_no_graphiql(tmp_path: Path) -> None:
    production = {
        "ORDERS_ENV": "production",
        "ORDERS_JWT_SECRET": "j" * 40,
        "ORDERS_CARRIER_WEBHOOK_SECRET": "w" * 40,
    }
    with embedded_run(tmp_path, **production) as url:
        httpx.get(f"{url}/healthz", timeout=5)
        graphiql = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"}, timeout=5)
    printed = (tmp_path / "run.log").read_text()

    assert graphiql.status_code == 404
    assert "GraphiQL" not in printed
    assert f"The shop: {url}/" in printed
    assert "\x1b" not in printed
    logged = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    assert {"uvicorn.error", "uvicorn.access"} <= {line["logger"] for line in logged}
    assert all("color_message" not in line for line in logged)
    assert [line for line in printed.splitlines() if not line.startswith("{")] == [
        "demo catalogue: 295 books added",
        f"The shop: {url}/",
    ]


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
        await embedded.products_changed([book])
        [product] = await embedded.store.products_by_ids([book])
        return product.stock

    await eventually(
        stock,
        lambda level: level == StockLevel(available=2, reserved=0),
        what="stock after one delivered order of 2, one declined and one paid order of 1",
    )
