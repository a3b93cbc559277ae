"""`orderStatusChanged` through the clients people use: Python's `gql` (both WebSocket protocols
strawberry serves) and `graphql-ws`, the reference client of graphql-transport-ws, on Node. Both
refuse binary frames, so every message the server sends must be a text frame."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from bootstrap import Services
from infrastructure.settings import Settings
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.node_clients import run_node_client
from tests.support.orders import place_ok
from tests.support.processes import start_api

SUBSCRIBE = """
subscription ($id: ID!) {
  orderStatusChanged(orderId: $id) { status cancelReason history { status } }
}
"""
CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { errors { code } } }"
TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # graphql-transport-ws
LEGACY_WS = WebsocketsTransport.APOLLO_SUBPROTOCOL  # graphql-ws (subscriptions-transport-ws)


@pytest.fixture(scope="module")
async def api(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    process, url = await start_api(settings, tmp_path_factory.mktemp("api") / "api.log")
    yield url
    await asyncio.to_thread(process.stop)


def _socket_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/graphql"


async def _placed_order(services: Services, url: str) -> tuple[str, str]:
    """A new customer's token and the id of an order it placed (PENDING: no pipeline runs)."""
    token = token_for(services.settings.effective_jwt_secret, random_member_id())
    book = await create_product(services.engine)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        order_id = to_global_id("Order", await place_ok(client, token, [(book, 1)]))
    return token, order_id


async def _cancel(url: str, token: str, order_id: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        answer = await client.post(
            "/graphql",
            json={"query": CANCEL, "variables": {"id": order_id}},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.json()["data"]["cancelOrder"]["errors"] == []


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_gql_follows_an_order_until_its_stream_ends(
    services: Services, api: str, subprotocol: str
) -> None:
    token, order_id = await _placed_order(services, api)
    transport = WebsocketsTransport(
        url=_socket_url(api),
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[subprotocol],
    )
    received: list[dict[str, Any]] = []

    async with Client(transport=transport) as session:
        request = GraphQLRequest(SUBSCRIBE, variable_values={"id": order_id})
        async for result in session.subscribe(request):
            received.append(result["orderStatusChanged"])
            if len(received) == 1:
                await _cancel(api, token, order_id)

    assert [(o["status"], o["cancelReason"]) for o in received] == [
        ("PENDING", None),
        ("CANCELLED", "CUSTOMER_REQUEST"),
    ]


async def test_graphql_ws_on_node_follows_an_order_until_its_stream_ends(
    services: Services, api: str
) -> None:
    token, order_id = await _placed_order(services, api)
    request = {
        "query": SUBSCRIBE,
        "variables": {"id": order_id},
        "connectionParams": {"Authorization": f"Bearer {token}"},
    }

    async with run_node_client("subscribe.mjs", _socket_url(api), json.dumps(request)) as client:
        first = await client.next_line()
        await _cancel(api, token, order_id)
        rest = await client.remaining_lines()
        exit_code, errors = await client.finish()

    pushed = [line["data"]["orderStatusChanged"] for line in [first, *rest]]
    assert (exit_code, errors) == (0, "")
    assert [(o["status"], o["cancelReason"]) for o in pushed] == [
        ("PENDING", None),
        ("CANCELLED", "CUSTOMER_REQUEST"),
    ]


async def _frames_of_a_conversation(
    url: str, subprotocol: str, messages: list[dict[str, Any]], until: set[str]
) -> list[str | bytes]:
    """Every frame the server sends, raw, while the client sends `messages` in turn and then
    waits until messages of every type in `until` came."""
    frames: list[str | bytes] = []
    seen: set[str] = set()
    async with websockets.connect(_socket_url(url), subprotocols=[subprotocol]) as socket:  # type: ignore[list-item]
        for message in messages:
            await socket.send(json.dumps(message))
        while not until <= seen:
            frame = await asyncio.wait_for(socket.recv(), 30)
            frames.append(frame)
            seen.add(json.loads(frame)["type"])
    return frames


@pytest.mark.parametrize("subprotocol", [TRANSPORT_WS, LEGACY_WS])
async def test_every_message_the_server_sends_is_a_text_frame(
    services: Services, api: str, subprotocol: str
) -> None:
    """Acknowledgement, pong, a pushed result and an error, in each protocol."""
    token, order_id = await _placed_order(services, api)
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
    start = "subscribe" if subprotocol == TRANSPORT_WS else "start"
    good = {"query": SUBSCRIBE, "variables": {"id": order_id}}
    broken = {"query": "subscription { nosuchfield }"}

    frames = await _frames_of_a_conversation(
        api,
        subprotocol,
        [
            init,
            *([{"type": "ping"}] if subprotocol == TRANSPORT_WS else []),
            {"id": "1", "type": start, "payload": good},
            {"id": "2", "type": start, "payload": broken},
        ],
        until={"connection_ack", "pong", "next", "error"}
        if subprotocol == TRANSPORT_WS
        else {"connection_ack", "data", "error"},
    )

    assert [type(frame).__name__ for frame in frames] == ["str"] * len(frames)


async def test_gql_hears_a_refused_variable_as_invalid_input(services: Services, api: str) -> None:
    token, _ = await _placed_order(services, api)
    transport = WebsocketsTransport(
        url=_socket_url(api),
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[TRANSPORT_WS],
    )

    async with Client(transport=transport) as session:
        request = GraphQLRequest(SUBSCRIBE, variable_values={"id": {"not": "an id"}})
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request):
                pass

    assert refused.value.errors is not None
    assert [error["extensions"]["code"] for error in refused.value.errors] == ["INVALID_INPUT"]
