"""One message per status change, in order, for every subscriber: many subscribers (gql, over
graphql-transport-ws) on orders going through the real pipeline, with the API process at the
lowest priority on a machine whose cores are all kept busy, so that changes commit while the
subscribers are still reading."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from bootstrap import Services
from infrastructure.settings import Settings
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.load import busy_cores
from tests.support.orders import place_ok
from tests.support.pipeline import Pipeline
from tests.support.processes import start_api

ORDERS = 4
SUBSCRIBERS_PER_ORDER = 30
LIFE = ["PENDING", "STOCK_RESERVED", "PAID", "PREPARING", "SHIPPED", "DELIVERED"]
SUBSCRIBE = """
subscription ($id: ID!) {
  orderStatusChanged(orderId: $id) { status history { status } }
}
"""
SLOW_SECONDS = 120
"""Deadlines for a starved API; a hang fails the test instead of blocking the run."""


@pytest.fixture
async def starved_api(settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    process, url = await start_api(settings, tmp_path / "api.log", niceness=10)
    yield url
    await asyncio.to_thread(process.stop)


async def _follow(url: str, token: str, order_id: str, first: asyncio.Event) -> list[Any]:
    """Every order the subscription pushed, until the server completed the stream."""
    transport = WebsocketsTransport(
        url=url.replace("http://", "ws://") + "/graphql",
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=SLOW_SECONDS,
        connect_args={"open_timeout": SLOW_SECONDS},
        ack_timeout=SLOW_SECONDS,
    )
    pushed: list[Any] = []
    async with Client(transport=transport) as session:
        request = GraphQLRequest(SUBSCRIBE, variable_values={"id": order_id})
        async for result in session.subscribe(request):
            pushed.append(result["orderStatusChanged"])
            first.set()
    return pushed


def _faults(stream: list[Any]) -> list[str]:
    """What is wrong with one subscriber's stream: it must go on from where it started, one
    message per status, to DELIVERED; each message's history must end at its own status."""
    statuses = [order["status"] for order in stream]
    faults = []
    if not statuses or statuses != LIFE[LIFE.index(statuses[0]) :]:
        faults.append(f"statuses {statuses}")
    for order in stream:
        history = [entry["status"] for entry in order["history"]]
        if history != LIFE[: LIFE.index(order["status"]) + 1]:
            faults.append(f"{order['status']} pushed with history {history}")
    return faults


async def test_every_subscriber_gets_every_status_once_in_order_on_a_busy_machine(
    services: Services, starved_api: str, pipeline: Pipeline
) -> None:
    secret = services.settings.effective_jwt_secret
    orders: list[tuple[str, str]] = []
    async with httpx.AsyncClient(base_url=starved_api, timeout=SLOW_SECONDS) as client:
        for _ in range(ORDERS):
            token = token_for(secret, random_member_id())
            book = await create_product(services.engine)
            orders.append(
                (token, to_global_id("Order", await place_ok(client, token, [(book, 1)])))
            )

    with busy_cores():
        # one subscriber per order is in place before anything moves: it must see the whole life
        watchers = [asyncio.Event() for _ in orders]
        whole_lives = [
            asyncio.create_task(_follow(starved_api, token, order_id, watched))
            for (token, order_id), watched in zip(orders, watchers, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(w.wait() for w in watchers)), SLOW_SECONDS)
        # the others subscribe while the orders move
        await pipeline.start()
        racing = [
            asyncio.create_task(_follow(starved_api, token, order_id, asyncio.Event()))
            for token, order_id in orders
            for _ in range(SUBSCRIBERS_PER_ORDER - 1)
        ]
        streams = await asyncio.wait_for(asyncio.gather(*whole_lives, *racing), SLOW_SECONDS * 2)

    broken = {i: faults for i, stream in enumerate(streams) if (faults := _faults(stream))}
    assert len(streams) == ORDERS * SUBSCRIBERS_PER_ORDER
    assert broken == {}, f"{len(broken)} of {len(streams)} streams broke: {broken}"
    assert [[o["status"] for o in stream] for stream in streams[:ORDERS]] == [LIFE] * ORDERS
