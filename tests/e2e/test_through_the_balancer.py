"""What only the cluster behind HAProxy shows (run with `--through-balancer`): request ids made
at the edge and followed into every worker, requests spread over both API processes, and
metrics that add up over them."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from httpx import AsyncClient

from bootstrap import Services
from cluster.supervisor import Cluster
from resolvers.common.ids import order_key
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import PLACE_ORDER, order_input, settled
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.balancer

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


def _cluster(balancer: Cluster | None) -> Cluster:
    assert balancer is not None, "run with --through-balancer"
    return balancer


async def test_the_balancer_gives_each_request_an_id_that_follows_the_order_into_the_workers(
    client: AsyncClient, services: Services, pipeline: Pipeline, balancer: Cluster | None
) -> None:
    cluster = _cluster(balancer)
    await pipeline.start(carrier=False)
    token = token_for(services.settings.effective_jwt_secret, random_member_id())
    book = await create_product(services.engine)

    placed = await client.post(
        "/graphql",
        json={"query": PLACE_ORDER, "variables": {"input": order_input([(book, 1)])}},
        headers={"Authorization": f"Bearer {token}"},
    )
    request_id = placed.headers["x-request-id"]
    order = await settled(services, _order_key(placed.json()))

    assert HEX_ID.match(request_id)  # made by HAProxy: the client sent none
    assert order.status.value == "PREPARING"
    assert f"request_id={request_id}" in cluster.balancer.log_path.read_text()
    handled_by = {
        name.split("-")[0]
        for name in cluster.running
        if any(
            request_id in line and "handled" in line for line in cluster.log_of(name).splitlines()
        )
    }
    # the steps that carried it; the response cache's consumer takes every event too, but in its
    # own time: by the time the order is PREPARING it may or may not have logged it
    assert handled_by - {"cache"} == {"stock", "payment", "delivery"}


def _order_key(body: dict[str, Any]) -> uuid.UUID:
    return order_key(body["data"]["placeOrder"]["order"]["id"])


async def test_both_api_processes_serve_and_the_metrics_add_up_over_them(
    client: AsyncClient, balancer: Cluster | None
) -> None:
    cluster = _cluster(balancer)
    served_before = _served(cluster)
    for _ in range(20):
        answer = await client.post(
            "/graphql", json={"query": "query Tallied { products(first: 1) { totalCount } }"}
        )
        assert answer.status_code == 200

    served = {name: _served(cluster)[name] - served_before[name] for name in served_before}
    scrapes = [
        _tallied((await client.get("/metrics")).text) for _ in range(6)
    ]  # each scrape reaches either process

    assert all(count > 0 for count in served.values()), served
    assert set(scrapes) == {max(scrapes)}
    assert max(scrapes) >= 20


def _served(cluster: Cluster) -> dict[str, int]:
    """POST /graphql lines per API process in the balancer's log."""
    log = cluster.balancer.log_path.read_text()
    return {
        name: len(re.findall(rf"api/{name} .*\"POST /graphql", log))
        for name, running in cluster.running.items()
        if running.role.is_api
    }


def _tallied(metrics: str) -> float:
    found = re.search(r'orders_api_request_seconds_count\{operation="Tallied"\} (\S+)', metrics)
    return float(found[1]) if found else 0.0
