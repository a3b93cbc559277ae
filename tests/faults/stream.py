"""A steady, bounded stream of mixed orders through the public API, as shoppers would send
them: normal ones, declined cards, a flaky gateway, books out of stock, and cancellations.
A request that fails is sent again with the same idempotency key until it is answered."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from resolvers.common.ids import order_key, to_global_id
from tests.support.orders import PLACE_ORDER, order_input

CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { order { status } errors { code } } }"
ANSWER_DEADLINE_SECONDS = 90


@dataclass(frozen=True)
class Placed:
    order_id: uuid.UUID
    kind: str
    lines: tuple[tuple[int, int], ...]


@dataclass
class OrderStream:
    url: str
    token: str
    books: list[int]
    scarce_book: int
    orders: int
    per_second: float
    placed: list[Placed] = field(default_factory=list)
    unanswered: int = 0
    retried_requests: int = 0
    keys: list[str] = field(default_factory=list)
    """The idempotency key of every order the stream set out to place."""
    stop_placing: asyncio.Event | None = None
    """When set, no further order is started (those under way finish)."""
    on_placed: Callable[[Placed], None] | None = None

    def _plan(self, i: int) -> tuple[str, tuple[tuple[int, int], ...], str]:
        book = self.books[i % len(self.books)]
        other = self.books[(i + 1) % len(self.books)]
        kind = ("normal",) * 5 + ("decline", "flaky", "out_of_stock", "cancel", "normal")
        chosen = kind[i % len(kind)]
        if chosen == "out_of_stock":
            return chosen, ((book, 1), (self.scarce_book, 1)), "tok_ok"
        token = {"decline": "tok_decline", "flaky": "tok_flaky_2"}.get(chosen, "tok_ok")
        return chosen, ((book, 1 + i % 2), (other, 1)), token

    async def _answered(self, client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
        deadline = time.monotonic() + ANSWER_DEADLINE_SECONDS
        while True:
            try:
                response = await client.post(
                    "/graphql", json=body, headers={"Authorization": f"Bearer {self.token}"}
                )
                if response.status_code == 200 and "errors" not in response.json():
                    data: dict[str, Any] = response.json()["data"]
                    return data
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("no answer")
            self.retried_requests += 1
            await asyncio.sleep(0.5)  # a client's back-off before it tries again

    async def _one(self, client: httpx.AsyncClient, i: int) -> None:
        kind, lines, token = self._plan(i)
        key = f"stream-{uuid.uuid4()}"
        self.keys.append(key)
        variables = {"input": order_input(list(lines), token=token, key=key)}
        try:
            data = await self._answered(client, {"query": PLACE_ORDER, "variables": variables})
            payload = data["placeOrder"]
            assert payload["errors"] == [], payload
            order_id = order_key(payload["order"]["id"])
            placed = Placed(order_id, kind, lines)
            self.placed.append(placed)
            if self.on_placed is not None:
                self.on_placed(placed)
            if kind == "cancel":
                gid = to_global_id("Order", order_id)
                await self._answered(client, {"query": CANCEL, "variables": {"id": gid}})
        except TimeoutError:
            self.unanswered += 1

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            started = time.monotonic()
            tasks = []
            for i in range(self.orders):
                await asyncio.sleep(max(0.0, started + i / self.per_second - time.monotonic()))
                if self.stop_placing is not None and self.stop_placing.is_set():
                    break
                tasks.append(asyncio.create_task(self._one(client, i)))
            await asyncio.gather(*tasks)
