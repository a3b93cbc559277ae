"""What operators see: health, readiness, metrics, request ids followed into the workers."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient

from api_app import create_app
from bootstrap import Services, build_services
from cluster.environment import role_environment
from infrastructure.observability.logs import configure_logging, tracing
from infrastructure.settings import Settings, load_settings
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import PLACE_ORDER, order_input
from tests.support.pipeline import Pipeline
from tests.support.processes import RoleProcess, free_port
from tests.support.waiting import eventually


async def test_health_and_readiness(client: AsyncClient) -> None:
    alive = await client.get("/healthz")
    ready = await client.get("/readyz")

    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "checks": {"database": True, "cache": True, "broker": True},
    }


@pytest.fixture
async def without_redis(settings: Settings) -> AsyncIterator[AsyncClient]:
    services = build_services(
        load_settings(**{**settings.model_dump(), "redis_url": "redis://127.0.0.1:1/0"})
    )
    async with AsyncClient(
        transport=ASGITransport(app=create_app(services)), base_url="http://t"
    ) as http:
        yield http
    await services.close()


async def test_an_api_without_its_cache_says_so_and_stays_ready(
    without_redis: AsyncClient,
) -> None:
    """The API serves without Redis (the cache and the limiter fail open): a balancer must not
    take it, and every other API process, out of rotation for that."""
    ready = await without_redis.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "cache": False, "broker": True}


@pytest.fixture
async def without_database(settings: Settings) -> AsyncIterator[AsyncClient]:
    unreachable = "postgresql://postgres@127.0.0.1:1/nowhere"
    services = build_services(
        load_settings(**{**settings.model_dump(), "database_url": unreachable})
    )
    async with AsyncClient(
        transport=ASGITransport(app=create_app(services)), base_url="http://t"
    ) as http:
        yield http
    await services.close()


async def test_an_api_without_its_database_is_not_ready(without_database: AsyncClient) -> None:
    ready = await without_database.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] is False


async def test_metrics_count_operations_errors_and_messages(client: AsyncClient) -> None:
    await client.post(
        "/graphql", json={"query": "query Shelf { products(first: 1) { totalCount } }"}
    )
    await client.post("/graphql", json={"query": "query Mine { orders { totalCount } }"})

    text = (await client.get("/metrics")).text

    assert 'orders_api_request_seconds_count{operation="Shelf"}' in text
    assert 'orders_api_errors_total{code="UNAUTHENTICATED"}' in text
    assert "orders_outbox_lag_seconds" in text
    assert "orders_messages_total" in text or "# HELP orders_messages_total" in text


async def test_a_request_id_is_echoed_or_made(client: AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-Id": "req-abc.1"})
    made = await client.get("/healthz")
    refused = await client.get("/healthz", headers={"X-Request-Id": "no spaces allowed"})

    assert given.headers["x-request-id"] == "req-abc.1"
    assert len(made.headers["x-request-id"]) == 32
    assert refused.headers["x-request-id"] != "no spaces allowed"


@pytest.mark.in_process  # reads the workers' log records here
async def test_an_orders_path_is_followed_by_its_request_id_into_the_workers(
    client: AsyncClient, services: Services, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    await pipeline.start(carrier=False)
    token = token_for(services.settings.effective_jwt_secret, random_member_id())
    book = await create_product(services.engine)
    caplog.set_level(logging.INFO)

    placed = await client.post(
        "/graphql",
        json={"query": PLACE_ORDER, "variables": {"input": order_input([(book, 1)])}},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": "follow-me-1"},
    )
    order_gid = placed.json()["data"]["placeOrder"]["order"]["id"]

    def handled(records: list[logging.LogRecord]) -> set[str]:
        return {
            r.getMessage().split(":")[0]
            for r in records
            if getattr(r, "request_id", None) == "follow-me-1" and "handled" in r.getMessage()
        }

    async def seen() -> set[str]:
        return handled(caplog.records)

    consumers = await eventually(seen, lambda found: {"stock", "payment", "delivery"} <= found)
    assert consumers >= {"stock", "payment", "delivery"}
    [record] = [
        r
        for r in caplog.records
        if getattr(r, "request_id", None) == "follow-me-1" and r.getMessage().startswith("payment")
    ][:1]
    assert getattr(record, "order_id", None) is not None
    assert getattr(record, "message_id", None) is not None
    assert order_gid


def test_log_lines_are_json_with_the_ids_in_hand() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    written = io.StringIO()
    try:
        configure_logging("json", stream=written)
        with tracing(request="r-1", order="o-1", message="m-1"):
            logging.getLogger("orders.test").warning("something %s", "happened")
    finally:
        root.handlers, root.level = handlers, level

    line = json.loads(written.getvalue().strip().splitlines()[-1])
    assert line["message"] == "something happened"
    assert line["level"] == "WARNING"
    assert (line["request_id"], line["order_id"], line["message_id"]) == ("r-1", "o-1", "m-1")


async def test_a_worker_serves_its_health_and_metrics_on_its_own_port(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    worker = RoleProcess(
        ["worker", "stock"],
        role_environment(settings, ORDERS_HEALTH_PORT=str(port)),
        tmp_path / "worker.log",
    )
    try:
        await worker.wait_for_output("running: stock")

        async def readiness() -> int:
            try:
                async with httpx.AsyncClient(timeout=5) as http:
                    return (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code
            except httpx.TransportError:
                return 0

        assert await eventually(readiness, lambda code: code == 200, within=30) == 200
        async with httpx.AsyncClient(timeout=5) as http:
            metrics = await http.get(f"http://127.0.0.1:{port}/metrics")
        assert "orders_messages_total" in metrics.text
    finally:
        assert worker.stop() == 0
    assert "Traceback" not in (tmp_path / "worker.log").read_text()  # stopped, not cancelled
