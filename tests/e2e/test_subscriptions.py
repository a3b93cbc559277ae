"""`orderStatusChanged` over graphql-transport-ws, on API processes of their own: a change made
through one process (or by the workers) reaches a subscriber of another, through Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets

import infrastructure.http.endpoint as endpoint_module
from api_app import create_app
from bootstrap import Services
from cluster.supervisor import Cluster
from domain.member import Role
from infrastructure.settings import Settings
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import place_ok
from tests.support.pipeline import Pipeline
from tests.support.processes import start_api
from tests.support.served import served

SUBSCRIBE = """
subscription ($id: ID!) {
  orderStatusChanged(orderId: $id) { id status cancelReason history { status } }
}
"""
CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { errors { code } } }"


@pytest.fixture(scope="module")
async def two_apis(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, balancer: Cluster | None
) -> AsyncIterator[tuple[str, str]]:
    """Two API processes; through the balancer, the balancer twice (it sends the requests
    and the subscription to either)."""
    if balancer is not None:
        yield balancer.url, balancer.url
        return
    logs = tmp_path_factory.mktemp("apis")
    first, first_url = await start_api(settings, logs / "first.log")
    second, second_url = await start_api(settings, logs / "second.log")
    yield first_url, second_url
    await asyncio.gather(asyncio.to_thread(first.stop), asyncio.to_thread(second.stop))


class Subscription:
    def __init__(self, socket: websockets.ClientConnection) -> None:
        self._socket = socket

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self._socket.recv(), 30))
        if message["type"] == "ping":
            await self._socket.send(json.dumps({"type": "pong"}))
            return await self.receive()
        return message

    async def next_order(self) -> dict[str, Any]:
        message = await self.receive()
        assert message["type"] == "next", message
        order: dict[str, Any] = message["payload"]["data"]["orderStatusChanged"]
        return order

    async def rest(self) -> list[dict[str, Any]]:
        """Every order pushed until the stream completes."""
        pushed = []
        while (message := await self.receive())["type"] != "complete":
            assert message["type"] == "next", message
            pushed.append(message["payload"]["data"]["orderStatusChanged"])
        return pushed


@asynccontextmanager
async def subscribed(url: str, token: str | None, order_id: str) -> AsyncIterator[Subscription]:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        subscribe = {"query": SUBSCRIBE, "variables": {"id": order_id}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        yield Subscription(socket)


def _secret(services: Services) -> str:
    return services.settings.effective_jwt_secret


async def _place(url: str, token: str, book: int) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return to_global_id("Order", await place_ok(client, token, [(book, 1)]))


async def test_a_cancel_through_one_process_reaches_a_subscriber_of_another(
    services: Services, two_apis: tuple[str, str]
) -> None:
    first, second = two_apis
    owner = token_for(_secret(services), random_member_id())
    order_id = await _place(first, owner, await create_product(services.engine))

    async with subscribed(second, owner, order_id) as subscription:
        now = await subscription.next_order()
        async with httpx.AsyncClient(base_url=first, timeout=10) as client:
            cancelled = await client.post(
                "/graphql",
                json={"query": CANCEL, "variables": {"id": order_id}},
                headers={"Authorization": f"Bearer {owner}"},
            )
        assert cancelled.json()["data"]["cancelOrder"]["errors"] == []
        pushed = await subscription.rest()

    assert now["status"] == "PENDING"
    assert [(o["status"], o["cancelReason"]) for o in pushed] == [("CANCELLED", "CUSTOMER_REQUEST")]


async def test_each_change_by_the_workers_is_pushed_once_in_order_until_delivered(
    services: Services, two_apis: tuple[str, str], pipeline: Pipeline
) -> None:
    first, second = two_apis
    owner = token_for(_secret(services), random_member_id())
    book = await create_product(services.engine)
    order_id = await _place(first, owner, book)

    async with subscribed(second, owner, order_id) as subscription:
        now = await subscription.next_order()
        await pipeline.start()
        pushed = await subscription.rest()

    seen = [h["status"] for h in now["history"]] + [o["status"] for o in pushed]
    assert seen == ["PENDING", "STOCK_RESERVED", "PAID", "PREPARING", "SHIPPED", "DELIVERED"]
    assert pushed[-1]["history"][-1]["status"] == "DELIVERED"


async def test_only_the_owner_or_staff_may_subscribe(
    services: Services, two_apis: tuple[str, str]
) -> None:
    first, second = two_apis
    owner = token_for(_secret(services), random_member_id())
    order_id = await _place(first, owner, await create_product(services.engine))
    stranger = token_for(_secret(services), random_member_id())
    staff = token_for(_secret(services), "staff-watch", Role.STAFF)

    async with subscribed(second, stranger, order_id) as subscription:
        refused = await subscription.receive()
    async with subscribed(second, staff, order_id) as subscription:
        watched = await subscription.next_order()
    async with subscribed(second, None, order_id) as subscription:
        anonymous = await subscription.receive()

    assert refused["type"] == "next"
    assert refused["payload"]["data"] is None
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert watched["status"] == "PENDING"
    assert anonymous["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_untrusted_token_closes_the_socket(two_apis: tuple[str, str]) -> None:
    _, second = two_apis
    ws_url = second.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": "Bearer nope"}}
        await socket.send(json.dumps(init))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_socket_that_never_initialises_is_closed_in_either_protocol(
    services: Services, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    """graphql-transport-ws closed such a socket after the wait (4408); the legacy graphql-ws
    kept it open for good, a connection of the process's ORDERS_MAX_CONNECTIONS held by a
    client that never said a word."""
    monkeypatch.setattr(endpoint_module, "CONNECTION_INIT_WAIT", timedelta(seconds=1))
    async with served(create_app(services), services.settings) as url:
        socket_url = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(socket_url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4408
