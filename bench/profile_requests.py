"""Where a request spends its time: one of the bench's requests served in-process and run under
cProfile, printing the functions that take the most CPU time of their own, after the count of
function calls (which, unlike time, does not depend on the machine's load).

    .venv/bin/python -m bench.profile_requests [--case orders|order|products|place-order]
        [--requests 40]

`orders` is the nested `orders(first: 50)` page of one of the loyal customers; `order` is the
`order(id)` detail with its history of that customer's newest order; `products` is the
anonymous `products(first: 50)` page; `place-order` is
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
import time

import httpx

from api_app import create_app
from bench.dataset import loyal_members
from bench.environment import bearer, in_process_settings
from bench.load import Request
from bench.queries import ORDER_DETAIL, ORDERS_PAGE, OUR_PATH, PRODUCTS_PAGE, body
from bench.seed import seed
from bench.services import add_scratch_members, connect, forget_scratch_orders
from bench.writes import place_order_requests
from bootstrap import build_services, settle_garbage_collector
from resolvers.common.ids import to_global_id

WARM_UP = 5


async def _requests(case: str, count: int) -> list[Request]:
    member_id, name = loyal_members()[0]
    if case == "products":
        return [Request(OUR_PATH, None, body(PRODUCTS_PAGE, {"first": 50}))] * count
    if case == "orders":
        page = Request(OUR_PATH, bearer(member_id, name), body(ORDERS_PAGE, {"first": 50}))
        return [page] * count
    async with connect() as conn:
        if case == "order":
            newest = await conn.fetchval(
                "SELECT id FROM orders WHERE member_id = $1 ORDER BY created_at DESC LIMIT 1",
                member_id,
            )
            detail = body(ORDER_DETAIL, {"id": to_global_id("Order", newest)})
            return [Request(OUR_PATH, bearer(member_id, name), detail)] * count
        customers = await add_scratch_members(conn, "profile", 1)
    return place_order_requests(OUR_PATH, customers, seed=1, count=count)


async def profile(case: str, count: int, top: int) -> None:
    await seed(rebuild=False)
    services = build_services(in_process_settings("profile"))
    app = create_app(services)
    settle_garbage_collector()
    requests = await _requests(case, WARM_UP + count)
    # CPU time, not wall-clock time: on a loaded machine a socket's send or a poll waits for
    # the other processes, and that time is not this request's work
    profiler = cProfile.Profile(time.process_time)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for n, request in enumerate(requests):
            if n == WARM_UP:
                profiler.enable()
            headers = {
                "Authorization": request.authorization or "",
                "Content-Type": "application/json",
            }
            answer = await client.post(request.path, content=request.body, headers=headers)
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
    cases = ("orders", "order", "products", "place-order")
    parser.add_argument("--case", choices=cases, default="orders")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(profile(args.case, args.requests, args.top))


if __name__ == "__main__":
    main()
