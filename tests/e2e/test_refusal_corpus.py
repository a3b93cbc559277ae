"""Every input class once seen reaching an internal error or a 500 (issue #11), sent as a client
sends it: over HTTP, and the tokens over the WebSocket too. Each gets its own clean refusal; no
response is a 5xx, no error is INTERNAL, and nothing is logged as an ERROR."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
import websockets
from httpx import AsyncClient
from websockets.asyncio.client import ClientConnection

from api_app import create_app
from bootstrap import Services
from domain.member import Role
from domain.steps.tracking import carrier_signature
from resolvers.common.ids import encode_opaque as raw_id  # an id or cursor around any text
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import ADDRESS
from tests.support.served import served

INVALID = "INVALID_INPUT"
UNAUTHENTICATED = "UNAUTHENTICATED"


@dataclass(frozen=True)
class World:
    """What the cases refer to: a book, tokens, the secrets."""

    book: int
    customer: str
    staff: str
    jwt_secret: str
    webhook_secret: str


@dataclass(frozen=True)
class Probe:
    """One request, and the refusal it must get."""

    body: bytes
    headers: dict[str, str | bytes] = field(default_factory=dict)
    path: str = "/graphql"
    status: int = 200
    code: str | None = None
    """The code of the refusal: a GraphQL error's `extensions.code`, or a payload's
    `UserError.code`; None for graphql-core's validation errors and HTTP refusals (no code)."""
    message: str = ""
    """A fragment the refusal's message must hold."""


Case = Callable[[World], Probe]


def _json(value: object) -> bytes:
    return json.dumps(value).encode()  # escapes NUL and lone surrogates, as JSON allows


def gql(
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    code: str | None = INVALID,
    message: str = "",
) -> Probe:
    headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Probe(
        _json({"query": query, "variables": variables or {}}),
        headers,
        code=code,
        message=message,
    )


def body(raw: bytes, message: str) -> Case:
    return lambda _: Probe(
        raw, {"Content-Type": "application/json"}, status=400, code=None, message=message
    )


PRODUCT = "query ($id: ID!) { product(id: $id) { id } }"
NODE = "query ($id: ID!) { node(id: $id) { id } }"
ORDER = "query ($id: ID!) { order(id: $id) { id } }"
ORDERS = "query ($f: OrderFilter, $a: String) { orders(filter: $f, after: $a) { totalCount } }"
PRODUCTS = "query ($a: String, $s: String) { products(after: $a, search: $s) { totalCount } }"
PLACE = "mutation ($i: PlaceOrderInput!) { placeOrder(input: $i) { errors { code message } } }"
CANCEL = "mutation ($id: ID!, $r: String) { cancelOrder(id: $id, reason: $r) { errors { code } } }"
ADJUST = "mutation ($id: ID!) { adjustStock(productId: $id, delta: 1) { errors { code } } }"
CREATE = (
    "mutation ($i: CreateProductInput!) { createProduct(input: $i) { errors { code message } } }"
)
SOME_ORDER = uuid.UUID("0b7e7d2c-2f4b-4d6e-9a52-3c1f0e9d8a11")


def place(world: World, *, message: str = "", **changes: Any) -> Probe:
    address = {**ADDRESS, **changes.pop("address", {})}
    order = {
        "items": [{"productId": to_global_id("Product", world.book), "quantity": 1}],
        "shippingAddress": address,
        **changes,
    }
    return gql(PLACE, {"i": order}, token=world.customer, message=message)


def claims(**changes: object) -> dict[str, object]:
    return {
        "sub": random_member_id(),
        "role": "customer",
        "exp": datetime.now(UTC) + timedelta(hours=1),
        **changes,
    }


TOKEN_CLAIMS: dict[str, dict[str, object]] = {
    "a sub with NUL": {"sub": "member\x00x"},
    "a sub with a lone surrogate": {"sub": "member-\ud800"},
    "a sub of 256 characters": {"sub": "m" * 256},
    "a name with NUL": {"name": "김\x00민준"},
    "a name with a lone surrogate": {"name": "\udc00"},
    "a name of 256 characters": {"name": "김" * 256},
    "a name with a bidi override": {"name": "\u202e준민김"},
    "an email with NUL": {"email": "a\x00@example.com"},
    "an email with a lone surrogate": {"email": "\ud83d@example.com"},
    "an email of 256 characters": {"email": "a" * 244 + "@example.com"},
    "a name that is not text": {"name": {"first": "민준"}},
}


def signed(world: World, case: str) -> str:
    return jwt.encode(claims(**TOKEN_CLAIMS[case]), world.jwt_secret, algorithm="HS256")


def _token_case(case: str) -> Case:
    return lambda w: gql(
        "{ products(first: 1) { totalCount } }", token=signed(w, case), code=UNAUTHENTICATED
    )


def _tracking_event(**changes: object) -> dict[str, object]:
    return {
        "trackingNumber": "000000000000",
        "status": "IN_TRANSIT",
        "location": "Gonjiam hub",
        "occurredAt": "2026-11-24T09:00:00+09:00",
        "eventId": f"evt-{uuid.uuid4()}",
        **changes,
    }


def _webhook(world: World, event: dict[str, object], status: int) -> Probe:
    raw = _json(event)
    return Probe(
        raw,
        {"X-Carrier-Signature": carrier_signature(world.webhook_secret, raw)},
        path="/webhooks/carrier",
        status=status,
        code=None,
        message="not a tracking event",
    )


def _arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(digit)) for digit in str(number))


HTTP_CASES: dict[str, Case] = {
    # variables graphql-core cannot coerce: its own message, with an input-error code
    "a string for an Int": lambda _: gql(
        "query ($n: Int) { products(first: $n) { totalCount } }", {"n": "x"}, message="'$n'"
    ),
    "a missing required variable": lambda _: gql(PRODUCT, {}, message="'$id'"),
    "an unknown input field": lambda w: gql(
        PLACE,
        {"i": {"items": [], "shippingAddress": ADDRESS, "coupon": "x"}},
        token=w.customer,
        message="'coupon'",
    ),
    "a bad enum value": lambda w: gql(
        ORDERS, {"f": {"status": ["LOST"]}}, token=w.customer, message="'$f'"
    ),
    "an Int above 2^31-1": lambda _: gql(
        "query ($n: Int) { products(first: $n) { totalCount } }", {"n": 2**31}, message="32-bit"
    ),
    "a DateTime that is not text": lambda w: gql(
        ORDERS, {"f": {"createdAfter": 5}}, token=w.customer, message="'$f'"
    ),
    "a subscription over POST (a stream: WebSocket only)": body(
        _json({"query": 'subscription { orderStatusChanged(orderId: "x") { status } }'}),
        "subscriptions are not allowed when using POST",
    ),
    # JSON bodies that are not an operation
    "a null body": body(b"null", "operation"),
    "a number body": body(b"5", "operation"),
    "a string body": body(b'"x"', "operation"),
    "a batch of numbers": body(b"[1, 2]", "operation"),
    "a batch of batches": body(b"[[{}]]", "operation"),
    "an empty batch": body(b"[]", "operation"),
    "a batch with a null": body(b'[{"query": "{ me { id } }"}, null]', "operation"),
    "a batch whose query is a number": body(b'[{"query": 5}]', "query"),
    "a batch whose variables are text": body(
        b'[{"query": "{ me { id } }", "variables": "x"}]', "variables"
    ),
    # validly signed tokens with claims no member can have
    **{case: _token_case(case) for case in TOKEN_CLAIMS},
    # header bytes that are not ASCII
    "a non-ASCII byte in X-Carrier-Signature": lambda _: Probe(
        b"{}",
        {"X-Carrier-Signature": b"sha256=\xff\xfe"},
        path="/webhooks/carrier",
        status=401,
        code=None,
        message="Signature",
    ),
    "a non-ASCII byte in Authorization": lambda _: Probe(
        _json({"query": "{ me { id } }"}),
        {"Content-Type": "application/json", "Authorization": b"Bearer \xff.\xfe.\xfd"},
        code=UNAUTHENTICATED,
    ),
    # ids: one product, one id; keys parsed strictly
    "a Product key above int64": lambda _: gql(
        PRODUCT, {"id": raw_id("Product:9223372036854775808")}
    ),
    "a Product key of twenty digits": lambda _: gql(
        PRODUCT, {"id": raw_id("Product:99999999999999999999")}
    ),
    "a Product key of a superscript digit": lambda _: gql(PRODUCT, {"id": raw_id("Product:²")}),
    "a Product key of Arabic-Indic digits": lambda w: gql(
        PRODUCT, {"id": raw_id(f"Product:{_arabic_indic(w.book)}")}
    ),
    "a Product key with a leading zero": lambda w: gql(
        PRODUCT, {"id": raw_id(f"Product:0{w.book}")}
    ),
    "a Product id with base64 padding": lambda w: gql(
        PRODUCT, {"id": to_global_id("Product", w.book) + "=="}
    ),
    "a Product id with a character outside base64": lambda w: gql(
        PRODUCT, {"id": "!" + to_global_id("Product", w.book)}
    ),
    "a node id of a superscript digit": lambda _: gql(NODE, {"id": raw_id("Product:²")}),
    "a node id of a Member with NUL": lambda w: gql(
        NODE, {"id": raw_id("Member:a\x00b")}, token=w.staff
    ),
    "a node id of a Member of 256 characters": lambda w: gql(
        NODE, {"id": raw_id("Member:" + "m" * 256)}, token=w.staff
    ),
    "an Order key in capitals": lambda w: gql(
        ORDER, {"id": raw_id(f"Order:{str(SOME_ORDER).upper()}")}, token=w.customer
    ),
    "an Order key in braces, to cancel": lambda w: gql(
        CANCEL, {"id": raw_id(f"Order:{{{SOME_ORDER}}}")}, token=w.customer
    ),
    "an order line's Product key above int64": lambda w: place(
        w,
        items=[{"productId": raw_id("Product:99999999999999999999"), "quantity": 1}],
    ),
    "a stock change of a superscript Product key": lambda w: gql(
        ADJUST, {"id": raw_id("Product:²")}, token=w.staff
    ),
    "a product cursor above int64": lambda _: gql(
        PRODUCTS, {"a": raw_id("p:99999999999999999999")}, message="cursor"
    ),
    "a product cursor of a superscript digit": lambda _: gql(
        PRODUCTS, {"a": raw_id("p:²")}, message="cursor"
    ),
    "an order cursor before the first UTC moment": lambda w: gql(
        ORDERS,
        {"a": raw_id(f"o:0001-01-01T00:00:00+01:00|{SOME_ORDER}")},
        token=w.customer,
        message="cursor",
    ),
    # times in filters: with a zone, within what Python and PostgreSQL can hold
    "a naive createdAfter": lambda w: gql(
        ORDERS, {"f": {"createdAfter": "2026-01-01T00:00:00"}}, token=w.customer, message="zone"
    ),
    "a createdAfter before the first UTC moment": lambda w: gql(
        ORDERS,
        {"f": {"createdAfter": "0001-01-01T00:00:00+01:00"}},
        token=w.customer,
        message="range",
    ),
    "a createdBefore after the last UTC moment": lambda w: gql(
        ORDERS,
        {"f": {"createdBefore": "9999-12-31T23:59:59-01:00"}},
        token=w.customer,
        message="range",
    ),
    "a naive createdAfter written in the query": lambda w: gql(
        '{ orders(filter: {createdAfter: "2026-01-01T00:00:00"}) { totalCount } }',
        token=w.customer,
        code=None,
        message="zone",
    ),
    # text that may not be stored, wherever it enters
    "a staff memberId with NUL": lambda w: gql(
        ORDERS, {"f": {"memberId": "member\x00x"}}, token=w.staff, message="memberId"
    ),
    "a staff memberId of 256 characters": lambda w: gql(
        ORDERS, {"f": {"memberId": "m" * 256}}, token=w.staff, message="memberId"
    ),
    "an idempotencyKey with NUL": lambda w: place(w, idempotencyKey="key\x00", message="U+0000"),
    "an idempotencyKey with an isolate": lambda w: place(
        w, idempotencyKey="key\u2066", message="U+2066"
    ),
    "a search with a bidi override": lambda _: gql(PRODUCTS, {"s": "\u202e강한"}, message="U+202E"),
    "a search with a zero-width space": lambda _: gql(
        PRODUCTS, {"s": "한\u200b강"}, message="U+200B"
    ),
    # a search is matched against every title and author: PostgreSQL took 35 s for one of
    # 10,000 characters over 200,000 books, 282 s for 60,000 (a body's worth, no token needed)
    "a search of 101 characters": lambda _: gql(
        PRODUCTS, {"s": "소년" * 50 + "!"}, message="at most 100"
    ),
    # text that renders deceptively, in names and addresses
    "a recipient with a bidi override": lambda w: place(
        w, address={"recipient": "\u202e준민김"}, message="U+202E"
    ),
    "an address line with a zero-width space": lambda w: place(
        w, address={"line1": "세종대로\u200b110"}, message="U+200B"
    ),
    "a recipient with a C1 control": lambda w: place(
        w, address={"recipient": "김\x85민준"}, message="U+0085"
    ),
    "a second address line of a Hangul filler": lambda w: place(
        w, address={"line2": "\u3164"}, message="U+3164"
    ),
    "a cancel reason with a zero-width joiner": lambda w: gql(
        CANCEL, {"id": to_global_id("Order", SOME_ORDER), "r": "a\u200db"}, token=w.customer
    ),
    "a title with a bidi override": lambda w: gql(
        CREATE,
        {"i": {"isbn": "9788936434120", "title": "\u202e", "author": "한강", "price": 1}},
        token=w.staff,
        message="U+202E",
    ),
    "a tracking event's location with a bidi override": lambda w: _webhook(
        w, _tracking_event(location="Gonjiam\u202e hub"), 400
    ),
    "a tracking event's scan name with a bidi override": lambda w: _webhook(
        w, _tracking_event(scan="간선\u202e하차"), 400
    ),
}


@pytest.fixture(scope="module")
async def world(services: Services) -> World:
    secret = services.settings.effective_jwt_secret
    return World(
        book=await create_product(services.engine),
        customer=token_for(secret, random_member_id()),
        staff=token_for(secret, "corpus-staff", Role.STAFF),
        jwt_secret=secret,
        webhook_secret=services.settings.effective_webhook_secret,
    )


def _refusals(answer: Any) -> list[tuple[str | None, str]]:
    """(code, message) of every error in a GraphQL answer: its errors, its payloads' errors."""
    if isinstance(answer, list):
        return [found for item in answer for found in _refusals(item)]
    if not isinstance(answer, dict):
        return []
    found = [
        (error.get("extensions", {}).get("code"), error["message"])
        for error in answer.get("errors") or []
    ]
    for payload in (answer.get("data") or {}).values():
        if isinstance(payload, dict):
            found += [(e["code"], e.get("message", "")) for e in payload.get("errors") or []]
    return found


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("case", list(HTTP_CASES))
async def test_every_bad_input_over_http_gets_a_clean_refusal(
    client: AsyncClient, world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    probe = HTTP_CASES[case](world)
    headers = [
        (name.encode(), value if isinstance(value, bytes) else value.encode())
        for name, value in probe.headers.items()
    ]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await client.post(probe.path, content=probe.body, headers=headers)

    assert response.status_code == probe.status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    refusals = _refusals(response.json())
    if probe.status == 200 or probe.path == "/graphql":
        assert refusals, response.text
        assert "INTERNAL" not in {code for code, _ in refusals}, refusals
        assert probe.code in {code for code, _ in refusals}, refusals
        assert any(probe.message in message for _, message in refusals), refusals
    else:
        assert probe.message in response.json()["error"]
    assert _errors_logged(caplog) == []


@pytest.fixture(scope="module")
async def socket_url(services: Services) -> AsyncIterator[str]:
    async with served(create_app(services), services.settings) as url:
        yield url.replace("http://", "ws://") + "/graphql"


async def _close_code(url: str, token: str) -> int | None:
    """How the server closes a socket whose connection_init carries this token."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        try:
            answer = await asyncio.wait_for(socket.recv(), 10)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
    raise AssertionError(f"the socket stayed open and answered {answer!r}")


@pytest.mark.parametrize("case", list(TOKEN_CLAIMS))
async def test_every_bad_token_on_the_socket_closes_it_as_unauthenticated(
    socket_url: str, world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        code = await _close_code(socket_url, signed(world, case))

    assert code == 4403
    assert _errors_logged(caplog) == []


SUBSCRIBE = "subscription ($id: ID!) { orderStatusChanged(orderId: $id) { status } }"
SUBSCRIBE_CASES: dict[str, str] = {
    "an Order key in capitals": raw_id(f"Order:{str(SOME_ORDER).upper()}"),
    "an Order key with NUL": raw_id(f"Order:{SOME_ORDER}\x00"),
    "an Order id with base64 padding": to_global_id("Order", SOME_ORDER) + "==",
}


@asynccontextmanager
async def _acknowledged(
    url: str, token: str, protocol: str = "graphql-transport-ws"
) -> AsyncIterator[ClientConnection]:
    """A socket of `protocol` whose connection_init with this token the server acknowledged."""
    async with websockets.connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await socket.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        yield socket


async def _first_answer(url: str, token: str, order_id: str) -> dict[str, Any]:
    async with _acknowledged(url, token) as socket:
        subscribe = {"query": SUBSCRIBE, "variables": {"id": order_id}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
        return answer


@pytest.mark.parametrize("case", list(SUBSCRIBE_CASES))
async def test_every_bad_id_on_the_socket_is_invalid_input(
    socket_url: str, world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        answer = await _first_answer(socket_url, world.customer, SUBSCRIBE_CASES[case])

    assert answer["type"] == "next", answer
    assert [e["extensions"]["code"] for e in answer["payload"]["errors"]] == [INVALID], answer
    assert _errors_logged(caplog) == []


_GOOD_SUBSCRIPTION = {"query": SUBSCRIBE, "variables": {"id": to_global_id("Order", SOME_ORDER)}}
MESSAGE_CASES: dict[str, object] = {
    "a message that is a list": [1],
    "a message that is a number": 5,
    "a payload that is a number": {"id": "1", "payload": 5},
    "a payload that is null": {"id": "1", "payload": None},
    "a payload that is a list": {"id": "1", "payload": [1]},
    "a query that is a number": {"id": "1", "payload": {"query": 5}},
    "a query that is null": {"id": "1", "payload": {"query": None}},
    "variables that are a number": {"id": "1", "payload": {**_GOOD_SUBSCRIPTION, "variables": 5}},
    "variables that are a list": {"id": "1", "payload": {**_GOOD_SUBSCRIPTION, "variables": [1]}},
    "an operationName that is a number": {
        "id": "1",
        "payload": {**_GOOD_SUBSCRIPTION, "operationName": 5},
    },
    "extensions that are a number": {"id": "1", "payload": {**_GOOD_SUBSCRIPTION, "extensions": 5}},
}
"""Messages of the wrong shape, as `subscribe` (graphql-transport-ws) or `start` (graphql-ws)
when they are objects: strawberry read them without looking, and dropped the socket with no
close frame (1006) or answered INTERNAL, logging a traceback each time."""


def _as_sent(message: object, kind: str) -> str:
    return json.dumps({**message, "type": kind} if isinstance(message, dict) else message)


@pytest.mark.parametrize("case", list(MESSAGE_CASES))
async def test_a_message_of_the_wrong_shape_closes_the_socket_with_4400(
    socket_url: str, world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        async with _acknowledged(socket_url, world.customer) as socket:
            await socket.send(_as_sent(MESSAGE_CASES[case], "subscribe"))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)

    assert closed.value.rcvd is not None, "closed without a close frame"
    assert closed.value.rcvd.code == 4400, closed.value.rcvd
    assert _errors_logged(caplog) == []


@pytest.mark.parametrize("case", list(MESSAGE_CASES))
async def test_a_message_of_the_wrong_shape_is_an_error_message_in_the_legacy_protocol(
    socket_url: str, world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        async with _acknowledged(socket_url, world.customer, "graphql-ws") as socket:
            await socket.send(_as_sent(MESSAGE_CASES[case], "start"))
            answer = json.loads(await asyncio.wait_for(socket.recv(), 10))
            await socket.send(
                json.dumps({"type": "start", "id": "2", "payload": _GOOD_SUBSCRIPTION})
            )
            after = json.loads(await asyncio.wait_for(socket.recv(), 10))

    assert answer["type"] == "error", answer
    assert "INTERNAL" not in json.dumps(answer), answer
    assert answer["payload"]["message"], answer
    assert after["id"] == "2", after  # the socket serves on
    assert _errors_logged(caplog) == []
