"""The baseline of the API benchmarks: plain ASGI, asyncpg and orjson, nothing else.

It answers the request bodies of `bench.queries` (it reads their variables, not their query) on
one path per operation, verifies the bearer token as our API does, runs the batched SELECTs of
`bench.raw_reads` or the transaction of `bench.raw_orders`, and writes `{"data": …}` as our API
would. Served by uvicorn: `uvicorn bench.raw_app:create_raw_app --factory`.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
import jwt
import orjson
from starlette.types import Receive, Scope, Send

from bench.raw_ids import global_id, key_of
from bench.raw_orders import place_order
from bench.raw_reads import Json, order_detail, orders_page, products_page
from infrastructure.auth import ALGORITHM

POOL_SIZE = 20
"""As many connections as our engine may open (pool 10, overflow 10)."""

Handler = Callable[[asyncpg.Connection, str | None, dict[str, Any]], Awaitable[Json]]


class Refused(Exception):
    """No token, or one that does not verify: 401."""


async def _orders(conn: asyncpg.Connection, member: str | None, variables: Json) -> Json:
    return await orders_page(conn, _signed_in(member), variables["first"])


async def _order(conn: asyncpg.Connection, member: str | None, variables: Json) -> Json:
    return await order_detail(conn, _signed_in(member), UUID(key_of(variables["id"])))


async def _products(conn: asyncpg.Connection, _member: str | None, variables: Json) -> Json:
    return await products_page(conn, variables["first"])


async def _place_order(conn: asyncpg.Connection, member: str | None, variables: Json) -> Json:
    order_input = variables["input"]
    lines = [(int(key_of(line["productId"])), line["quantity"]) for line in order_input["items"]]
    placed = await place_order(conn, _signed_in(member), lines, order_input["shippingAddress"])
    order = {
        "id": global_id("Order", placed.id),
        "number": placed.number,
        "status": "PENDING",
        "total": {"amount": placed.total},
    }
    return {"placeOrder": {"order": order, "errors": []}}


ROUTES: dict[str, Handler] = {
    "/orders": _orders,
    "/order": _order,
    "/products": _products,
    "/place-order": _place_order,
}


def _signed_in(member: str | None) -> str:
    if member is None:
        raise Refused("this needs a bearer token")
    return member


def _member_of(scope: Scope, secret: str) -> str | None:
    """The token's member id; None without a token."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            try:
                claims = jwt.decode(value[7:], secret, algorithms=[ALGORITHM])
            except jwt.InvalidTokenError as exc:
                raise Refused(str(exc)) from exc
            return str(claims["sub"])
    return None


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RawApp:
    def __init__(self, database_url: str, secret: str) -> None:
        self._database_url = database_url
        self._secret = secret
        self._pool: asyncpg.Pool | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._pool = await asyncpg.create_pool(
                    self._database_url, min_size=POOL_SIZE, max_size=POOL_SIZE
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    await self._pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        handler = ROUTES.get(scope["path"])
        if handler is None or scope["method"] != "POST" or self._pool is None:
            await _respond(send, 404, b'{"error":"not found"}')
            return
        try:
            member = _member_of(scope, self._secret)
            async with self._pool.acquire() as conn:
                data = await handler(conn, member, orjson.loads(body)["variables"])
        except Refused as exc:
            await _respond(send, 401, orjson.dumps({"error": str(exc)}))
            return
        await _respond(send, 200, orjson.dumps({"data": data}))


def create_raw_app() -> RawApp:
    """uvicorn's factory; the same environment as our API's."""
    return RawApp(os.environ["ORDERS_DATABASE_URL"], os.environ["ORDERS_JWT_SECRET"])
