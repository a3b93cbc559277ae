"""A WebSocket ends when the token it was acknowledged with expires, in either protocol: its
subscriptions stop, and the close (4403, "the token has expired") arrives; a socket of a token
that lives on keeps receiving. Before, the token was read at connection_init only, and a socket
went on pushing the member's orders for good."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from websockets.frames import Close

from api_app import create_app
from bootstrap import Services
from infrastructure.auth import mint_token
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import place_ok
from tests.support.served import served
from tests.support.waiting import eventually

SHORT_LIFETIME = timedelta(seconds=5)
"""The short token's: time to open and subscribe on a busy machine, and no more (its `exp` is
a whole second, so it expires 4 to 5 s after it is minted)."""
DEADLINE_SECONDS = 30.0
SUBSCRIBE = "subscription ($id: ID!) { orderStatusChanged(orderId: $id) { status } }"
CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { errors { code } } }"
PROTOCOLS = {"graphql-transport-ws": ("subscribe", "next"), "graphql-ws": ("start", "data")}
"""Each protocol's message that starts an operation, and the one that carries a result."""
OPERATION_TASKS = {
    "graphql-transport-ws": "BaseGraphQLTransportWSHandler.run_operation",
    "graphql-ws": "BaseGraphQLWSHandler.handle_async_results",
}
"""The task that runs one operation of a socket, in each protocol."""
EXPIRY_WAIT = "TokenExpiry._end_at"


class Socket:
    def __init__(self, socket: websockets.ClientConnection, protocol: str) -> None:
        self._socket = socket
        self._result = PROTOCOLS[protocol][1]

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(
            await asyncio.wait_for(self._socket.recv(), DEADLINE_SECONDS)
        )
        if message["type"] == "ping":
            await self._socket.send(json.dumps({"type": "pong"}))
            return await self.receive()
        return message

    async def status(self) -> str:
        """The status in the next result pushed."""
        message = await self.receive()
        assert message["type"] == self._result, message
        status: str = message["payload"]["data"]["orderStatusChanged"]["status"]
        return status

    async def closed(self) -> tuple[list[dict[str, Any]], Close | None]:
        """The messages until the server closes the socket, and its close frame."""
        received = []
        try:
            async with asyncio.timeout(DEADLINE_SECONDS):
                while True:
                    received.append(await self.receive())
        except websockets.ConnectionClosed as closed:
            return received, closed.rcvd
        except TimeoutError:
            raise AssertionError(
                f"the socket stayed open for {DEADLINE_SECONDS} s; received {received}"
            ) from None


@asynccontextmanager
async def subscribed(url: str, protocol: str, token: str, order_id: str) -> AsyncIterator[Socket]:
    """A socket of `protocol` acknowledged with `token`, subscribed to the order."""
    async with websockets.connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(socket.recv(), DEADLINE_SECONDS))
        assert ack["type"] == "connection_ack", ack
        start = PROTOCOLS[protocol][0]
        payload = {"query": SUBSCRIBE, "variables": {"id": order_id}}
        await socket.send(json.dumps({"id": "1", "type": start, "payload": payload}))
        yield Socket(socket, protocol)


async def _running() -> list[str]:
    """The operations and expiry waits of every socket this process serves."""
    kept = {*OPERATION_TASKS.values(), EXPIRY_WAIT}
    names = (getattr(task.get_coro(), "__qualname__", "") for task in asyncio.all_tasks())
    return sorted(name for name in names if name in kept)


@pytest.fixture(scope="module")
async def base_url(services: Services) -> AsyncIterator[str]:
    async with served(create_app(services), services.settings) as url:
        yield url


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
async def test_a_socket_is_closed_when_its_token_expires_and_another_lives_on(
    services: Services, base_url: str, caplog: pytest.LogCaptureFixture, protocol: str
) -> None:
    secret, member = services.settings.effective_jwt_secret, random_member_id()
    lasting = token_for(secret, member)
    async with httpx.AsyncClient(base_url=base_url, timeout=DEADLINE_SECONDS) as http:
        book = await create_product(services.engine)
        order_id = to_global_id("Order", await place_ok(http, lasting, [(book, 1)]))
    socket_url = base_url.replace("http://", "ws://") + "/graphql"
    short = mint_token(secret=secret, member_id=member, lifetime=SHORT_LIFETIME)

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        async with (
            subscribed(socket_url, protocol, short, order_id) as expiring,
            subscribed(socket_url, protocol, lasting, order_id) as lasting_socket,
        ):
            assert await expiring.status() == "PENDING"  # receiving, until the token expires
            assert await lasting_socket.status() == "PENDING"
            before_close, close = await expiring.closed()
            lasting_only = sorted([OPERATION_TASKS[protocol], EXPIRY_WAIT])
            await eventually(_running, lambda names: names == lasting_only, what="one socket")
            async with httpx.AsyncClient(base_url=base_url, timeout=DEADLINE_SECONDS) as http:
                cancelled = await http.post(
                    "/graphql",
                    json={"query": CANCEL, "variables": {"id": order_id}},
                    headers={"Authorization": f"Bearer {lasting}"},
                )
            assert cancelled.json()["data"]["cancelOrder"]["errors"] == [], cancelled.text
            after_expiry = await lasting_socket.status()
            assert (await lasting_socket.receive())["type"] == "complete"

        await eventually(_running, lambda names: names == [], what="no socket's tasks")

    assert close is not None, "closed without a close frame"
    assert (close.code, close.reason) == (4403, "the token has expired")
    # no `complete`: a client that reconnects with a new token subscribes again
    assert before_close == []
    assert after_expiry == "CANCELLED"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
