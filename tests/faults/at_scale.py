"""The fault harness at cluster scale: every role replicated behind HAProxy (the cluster of
`make cluster`), a stream of orders through the balancer, subscribers on one API process, and a
tally that adds to the fault suite's what a balancer can get wrong: orders placed twice."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from sqlalchemy import select

from bootstrap import Services
from cluster.supervisor import Cluster
from infrastructure.database.tables import order_event_table, order_table
from resolvers.common.ids import to_global_id
from tests.faults.stream import OrderStream, Placed
from tests.faults.tally import drain_and_tally

SERVICES_LOCK = Path("/tmp/orders-services.lock")
"""Held while a test stops one of the machine's services, so that runs that stop them take
turns (`flock /tmp/orders-services.lock`)."""
FOLLOW = (
    "subscription ($id: ID!) { orderStatusChanged(orderId: $id) { status history { status } } }"
)
WATCH_EVERY = 5
"""Every this many orders of the stream, a subscriber follows the order."""
WATCH_DEADLINE_SECONDS = 180
SERVICE_RESTART = 1012
RECONNECTS = 30
RECONNECT_BACK_OFF_SECONDS = 0.2


@contextlib.contextmanager
def _lock_file() -> Iterator[int]:
    SERVICES_LOCK.touch(exist_ok=True)
    with SERVICES_LOCK.open("r") as lock:
        yield lock.fileno()


@contextlib.asynccontextmanager
async def services_lock() -> AsyncIterator[None]:
    """The machine's services are ours to stop while this is held."""
    with _lock_file() as descriptor:
        await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)


@dataclass
class Watchers:
    """Subscribers on one API process, each following one order until it ends."""

    url: str
    token: str
    seen: dict[str, list[str]] = field(default_factory=dict)
    """Order id -> every status pushed (the first push's history, then each push's status)."""
    closed_early: list[str] = field(default_factory=list)
    reconnected: int = 0
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def follow(self, placed: Placed) -> None:
        gid = to_global_id("Order", placed.order_id)
        self.tasks.append(asyncio.create_task(self._follow(gid, str(placed.order_id))))

    async def _follow(self, gid: str, order_id: str) -> None:
        """Until the stream completes; a socket closed with 1012 (the server restarts) is
        opened again, as a client should, and the new subscription's first push (the order as
        it stands, with its whole history) says what was pushed meanwhile."""
        statuses: list[str] = []
        self.seen[order_id] = statuses
        for _ in range(RECONNECTS):
            try:
                if await self._subscribed(gid, statuses):
                    return
            except websockets.ConnectionClosed as exc:
                if exc.rcvd is None or exc.rcvd.code != SERVICE_RESTART:
                    self.closed_early.append(f"{order_id}: {exc!r}")
                    return
                self.reconnected += 1
            except OSError:  # the server is not accepting now: the client tries again
                pass
            await asyncio.sleep(RECONNECT_BACK_OFF_SECONDS)  # a client's back-off
        self.closed_early.append(f"{order_id}: gave up after {RECONNECTS} connections")

    async def _subscribed(self, gid: str, statuses: list[str]) -> bool:
        """Follow on one socket; True once the stream completed."""
        ws_url = self.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {self.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            await asyncio.wait_for(ws.recv(), 30)
            subscribe = {"query": FOLLOW, "variables": {"id": gid}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
            first = True
            while True:
                message: dict[str, Any] = json.loads(await ws.recv())
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                if message["type"] != "next":
                    return True
                order = message["payload"]["data"]["orderStatusChanged"]
                if first:
                    statuses[:] = [h["status"] for h in order["history"]]
                    first = False
                else:
                    statuses.append(order["status"])

    async def finished(self) -> None:
        await asyncio.wait_for(asyncio.gather(*self.tasks), WATCH_DEADLINE_SECONDS)


@dataclass
class ScaleTally:
    placed: int
    retried: int
    unanswered: int
    lost: list[str]
    doubled: list[str]
    double_effects: list[str]
    stock_mismatches: list[str]
    duplicates_absorbed: int
    watched: int
    watchers_missing_a_status: list[str]
    watchers_reconnected: int

    def __str__(self) -> str:
        return (
            f"placed {self.placed}, retried {self.retried}, unanswered {self.unanswered}, "
            f"lost {len(self.lost)}, doubled {len(self.doubled)}, double effects "
            f"{len(self.double_effects)}, stock mismatches {len(self.stock_mismatches)}, "
            f"duplicates absorbed {self.duplicates_absorbed}, subscribers {self.watched} "
            f"(missing a status: {len(self.watchers_missing_a_status)}, reconnected after "
            f"1012: {self.watchers_reconnected})"
        )

    def assert_clean(self) -> None:
        assert self.unanswered == 0, self
        assert self.lost == [], self
        assert self.doubled == [], self
        assert self.double_effects == [], self
        assert self.stock_mismatches == [], self
        assert self.watchers_missing_a_status == [], self


@dataclass
class ScaleRun:
    services: Services
    cluster: Cluster
    stream: OrderStream
    watchers: Watchers
    member: str
    initial_stock: dict[int, int]

    async def tally(self) -> ScaleTally:
        await self.watchers.finished()
        tally = await drain_and_tally(
            self.services, self.stream.placed, self.initial_stock, self.cluster.logs()
        )
        stock = [found for found in tally.double_effects if found.startswith("book ")]
        histories = await self._histories()
        missing = [
            f"{order_id}: pushed {seen}, history {histories.get(order_id)}"
            for order_id, seen in self.watchers.seen.items()
            if seen != histories.get(order_id)
        ]
        result = ScaleTally(
            placed=len(self.stream.placed),
            retried=self.stream.retried_requests,
            unanswered=self.stream.unanswered,
            lost=tally.lost,
            doubled=await self._doubled(),
            double_effects=[found for found in tally.double_effects if found not in stock],
            stock_mismatches=stock,
            duplicates_absorbed=tally.duplicates_absorbed,
            watched=len(self.watchers.seen),
            watchers_missing_a_status=missing + self.watchers.closed_early,
            watchers_reconnected=self.watchers.reconnected,
        )
        print(f"\nfault tally at scale: {result}")  # noqa: T201
        return result

    async def _doubled(self) -> list[str]:
        """Orders of the stream's member that the stream did not get back as placed: a
        request answered twice with two orders, or an order whose answer was lost."""
        placed = {p.order_id for p in self.stream.placed}
        async with self.services.engine.connect() as conn:
            rows = await conn.execute(
                select(order_table.c.id, order_table.c.idempotency_key).where(
                    order_table.c.member_id == self.member
                )
            )
            found = rows.all()
        extra = [
            f"order {row.id} (key {row.idempotency_key})" for row in found if row.id not in placed
        ]
        keys = [row.idempotency_key for row in found]
        twice = [
            f"key {key} has {keys.count(key)} orders" for key in set(keys) if keys.count(key) > 1
        ]
        return extra + twice

    async def _histories(self) -> dict[str, list[str]]:
        ids = [p.order_id for p in self.stream.placed]
        async with self.services.engine.connect() as conn:
            rows = await conn.execute(
                select(order_event_table.c.order_id, order_event_table.c.status)
                .where(order_event_table.c.order_id.in_(ids))
                .order_by(order_event_table.c.order_id, order_event_table.c.id)
            )
            histories: dict[str, list[str]] = {}
            for order_id, status in rows.all():
                histories.setdefault(str(order_id), []).append(str(status))
        return histories
