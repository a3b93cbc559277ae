"""Where a request spends its time: one of the bench's requests served in-process and run under
cProfile, printing the functions that take the most time of their own.

    .venv/bin/python -m bench.profile_requests [--case orders|place-order] [--requests 40]

`orders` is the nested `orders(first: 50)` page of one of the loyal customers; `place-order` is
`placeOrder` of 3 random books for a scratch customer (its orders are removed afterwards). It
uses the bench's data set (built first when missing) and serves the app in this process through
httpx's ASGI transport, so the figures include the client's share. docs/BENCHMARKS.md quotes its
output.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random

import httpx

from bench.dataset import DATASET, loyal_members
from bench.environment import DATABASE_URL, JWT_SECRET, PREFIX, REDIS_URL, UNTHROTTLED, bearer
from bench.queries import ORDERS_PAGE, PLACE_ORDER, SHIPPING_ADDRESS, body
from bench.raw_ids import global_id
from bench.seed import seed
from bench.services import add_scratch_members, connect, forget_scratch_orders
from bootstrap import build_services, create_app, settle_garbage_collector
from infrastructure.settings import load_settings

WARM_UP = 5


async def _requests(case: str, count: int) -> list[tuple[str, bytes]]:
    """(Authorization, body) of each request, warm-up first."""
    if case == "orders":
        member_id, name = loyal_members()[0]
        return [(bearer(member_id, name), body(ORDERS_PAGE, {"first": 50}))] * count
    async with connect() as conn:
        (customer,) = await add_scratch_members(conn, "profile", 1)
    rng = random.Random(1)
    requests = []
    for _ in range(count):
        books = rng.sample(range(1, DATASET.books + 1), 3)
        order_input = {
            "items": [{"productId": global_id("Product", book), "quantity": 1} for book in books],
            "shippingAddress": SHIPPING_ADDRESS,
        }
        requests.append((bearer(customer, customer), body(PLACE_ORDER, {"input": order_input})))
    return requests


async def profile(case: str, count: int, top: int) -> None:
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
    requests = await _requests(case, WARM_UP + count)
    profiler = cProfile.Profile()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n, (authorization, content) in enumerate(requests):
            if n == WARM_UP:
                profiler.enable()
            headers = {"Authorization": authorization, "Content-Type": "application/json"}
            answer = await client.post("/graphql", content=content, headers=headers)
            assert "errors" not in answer.json(), answer.text[:500]
        profiler.disable()
    await services.close()
    if case == "place-order":
        async with connect() as conn:
            await forget_scratch_orders(conn)
    print(f"{case}, {count} requests in-process under cProfile:")  # noqa: T201
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=("orders", "place-order"), default="orders")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(profile(args.case, args.requests, args.top))


if __name__ == "__main__":
    main()
