"""CPU time of one request: a response cache hit, our cold path and the raw baseline, in turns:

    .venv/bin/python -m bench.cached_cpu [--rounds 6] [--requests 20]

All three served in this process (httpx's ASGI transport, as `bench.executors`): ours with the
response cache on (every measured request a hit, each round's first request keeping the
answer), ours with it off, and `bench.raw_app`. The figure is this process's CPU time
(`time.process_time`) per request, the client's share included (it reads the status and
the bytes, it does not decode them), which on a machine shared with
others moves far less than wall-clock throughput; on the two cores the load bench runs on, the
ratio of CPU per request is what bounds the ratio of throughputs. What other processes spend
per request is printed beside it, from /proc (`bench.cpu`): PostgreSQL's (the cold path's and
raw's, nothing on a hit) and Redis's (a hit's lookup and its bucket), other people's work on
the shared servers included, so read it as an upper bound.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import orjson
from starlette.types import Message

from api_app import create_app
from bench.command_line import run_in_turns
from bench.cpu import snapshot
from bench.dataset import loyal_members
from bench.environment import DATABASE_URL, JWT_SECRET, bearer, in_process_settings
from bench.queries import ORDER_DETAIL, ORDERS_PAGE, OUR_PATH, body
from bench.raw_app import RawApp
from bench.report import say
from bench.seed import seed
from bootstrap import build_services, settle_garbage_collector

SERVERS = ("hit", "cold", "raw")
SHARED = ("postgresql", "redis")


@asynccontextmanager
async def _raw_client() -> AsyncIterator[httpx.AsyncClient]:
    """The raw baseline in this process, its pool opened and closed by its lifespan."""
    app = RawApp(DATABASE_URL, JWT_SECRET)
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    started, stopped = asyncio.Event(), asyncio.Event()

    async def send(message: Message) -> None:
        (started if message["type"] == "lifespan.startup.complete" else stopped).set()

    lifespan = asyncio.create_task(app({"type": "lifespan"}, inbox.get, send))
    await inbox.put({"type": "lifespan.startup"})
    await started.wait()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://raw") as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await stopped.wait()
        await lifespan


@asynccontextmanager
async def _our_client(name: str, response_cache: bool) -> AsyncIterator[httpx.AsyncClient]:
    services = build_services(in_process_settings(name, response_cache=response_cache))
    transport = httpx.ASGITransport(app=create_app(services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client
    finally:
        await services.close()


Send = Callable[[], Awaitable[bytes]]


def _sender(client: httpx.AsyncClient, path: str, payload: bytes, authorization: str) -> Send:
    headers = {"Authorization": authorization, "Content-Type": "application/json"}

    async def send() -> bytes:
        answer = await client.post(path, content=payload, headers=headers)
        assert answer.status_code == 200, answer.text
        assert b'"errors"' not in answer.content, answer.text
        return answer.content

    return send


async def measure(rounds: int, requests: int) -> None:
    await seed(rebuild=False)
    member_id, name = loyal_members()[0]
    token = bearer(member_id, name)
    async with AsyncExitStack() as stack:
        clients = {
            "hit": await stack.enter_async_context(_our_client("cached-cpu-hit", True)),
            "cold": await stack.enter_async_context(_our_client("cached-cpu-cold", False)),
            "raw": await stack.enter_async_context(_raw_client()),
        }
        settle_garbage_collector()
        page = await _sender(clients["cold"], OUR_PATH, body(ORDERS_PAGE, {"first": 1}), token)()
        order_id = orjson.loads(page)["data"]["orders"]["edges"][0]["node"]["id"]
        cases = {
            "orders(first: 50) nested": ("/orders", body(ORDERS_PAGE, {"first": 50})),
            "order(id) detail + history": ("/order", body(ORDER_DETAIL, {"id": order_id})),
        }
        spent: dict[tuple[str, str], list[float]] = {}
        shared: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for case, (raw_path, payload) in cases.items():
                for server in SERVERS:
                    path = raw_path if server == "raw" else OUR_PATH
                    send = _sender(clients[server], path, payload, token)
                    for _ in range(2):
                        warm = await send()
                    if server == "hit":
                        assert b'"responseCache":{"hit":true' in warm, warm[-200:]
                    before, started = snapshot({}), time.process_time()
                    for _ in range(requests):
                        await send()
                    ours = (time.process_time() - started) / requests * 1000
                    after = snapshot({})
                    spent.setdefault((case, server), []).append(ours)
                    others = sum(after.seconds.get(s, 0) - before.seconds.get(s, 0) for s in SHARED)
                    shared.setdefault((case, server), []).append(others / requests * 1000)
    _print(cases, spent, shared, rounds)


def _print(
    cases: dict[str, Any],
    spent: dict[tuple[str, str], list[float]],
    shared: dict[tuple[str, str], list[float]],
    rounds: int,
) -> None:
    say(f"CPU ms per request, median of {rounds} rounds (lowest to highest); beside it, ")
    say("PostgreSQL's and Redis's CPU ms per request in the same turns (others' included):")
    for case in cases:
        medians = {}
        for server in SERVERS:
            figures = spent[(case, server)]
            medians[server] = statistics.median(figures)
            say(
                f"  {case:28} {server:5} {medians[server]:6.2f}"
                f"  ({min(figures):.2f} to {max(figures):.2f})"
                f"   servers {statistics.median(shared[(case, server)]):6.2f}"
            )
        say(
            f"  {case:28} raw/hit {medians['raw'] / medians['hit']:.2f}, "
            f"cold/hit {medians['cold'] / medians['hit']:.2f}"
        )


def main() -> None:
    run_in_turns(__doc__.split("\n")[0], measure, requests=20)


if __name__ == "__main__":
    main()
