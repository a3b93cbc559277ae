"""Where a nested page of orders spends its time: `orders(first: 50)` served in-process and run
under cProfile, printing the functions that take the most time of their own.

    .venv/bin/python -m bench.profile_reads [--requests 40] [--top 25]

It uses the bench's data set (built first when missing) and one of its loyal customers, and
serves the app in this process through httpx's ASGI transport, so the figures include the
client's share. docs/BENCHMARKS.md quotes its output.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats

import httpx
import orjson

from bench.dataset import loyal_members
from bench.environment import DATABASE_URL, JWT_SECRET, PREFIX, REDIS_URL, UNTHROTTLED, bearer
from bench.queries import ORDERS_PAGE
from bench.seed import seed
from bootstrap import build_services, create_app, settle_garbage_collector
from infrastructure.settings import load_settings

WARM_UP = 5


async def profile(requests: int, top: int) -> None:
    await seed(rebuild=False)
    services = build_services(
        load_settings(
            database_url=DATABASE_URL,
            redis_url=REDIS_URL,
            cache_prefix=f"{PREFIX}-profile",
            jwt_secret=JWT_SECRET,
            rate_limit_points=int(UNTHROTTLED),
            rate_limit_restore=float(UNTHROTTLED),
        )
    )
    app = create_app(services)
    settle_garbage_collector()
    member_id, name = loyal_members()[0]
    body = orjson.dumps({"query": ORDERS_PAGE, "variables": {"first": 50}})
    headers = {"Authorization": bearer(member_id, name), "Content-Type": "application/json"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(WARM_UP):
            answer = await client.post("/graphql", content=body, headers=headers)
            assert "errors" not in answer.json(), answer.text[:500]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            await client.post("/graphql", content=body, headers=headers)
        profiler.disable()
    await services.close()
    print(f"orders(first: 50) nested, {requests} requests in-process under cProfile:")  # noqa: T201
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(profile(args.requests, args.top))


if __name__ == "__main__":
    main()
