"""CPU time of one request, the compiled executor against graphql-core's, in turns:

    .venv/bin/python -m bench.executors [--rounds 6] [--requests 10]

The app served in this process (httpx's ASGI transport, as `profile_requests`), the bench's
three read cases; in each round every case is sent `--requests` times through each executor
(strawberry's `execution_context_class`, swapped on the served schema), after two unmeasured
requests. The figure is CPU time (`time.process_time`) per request, the client's share
included: on a machine shared with others it moves far less than wall-clock time. Printed: the
median of the rounds, the lowest and highest, and compiled/graphql-core.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import httpx
from starlette.routing import Route
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api_app import create_app
from bench.command_line import run_in_turns
from bench.dataset import loyal_members
from bench.environment import bearer, in_process_settings
from bench.queries import ORDER_DETAIL, ORDERS_PAGE, OUR_PATH, PRODUCTS_PAGE, body
from bench.seed import seed
from bootstrap import build_services, settle_garbage_collector
from infrastructure.graphql_execution import CompiledExecutionContext

EXECUTORS: dict[str, type[Any]] = {
    "compiled": CompiledExecutionContext,
    "graphql-core": StrawberryGraphQLCoreExecutionContext,
}


async def _post(client: httpx.AsyncClient, payload: bytes, authorization: str) -> Any:
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    answer = (await client.post(OUR_PATH, content=payload, headers=headers)).json()
    assert "errors" not in answer, answer
    return answer["data"]


async def measure(rounds: int, requests: int) -> None:
    await seed(rebuild=False)
    services = build_services(in_process_settings("executors"))
    app = create_app(services)
    settle_garbage_collector()
    [route] = [r for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    schema = route.endpoint.schema  # type: ignore[attr-defined]
    member_id, name = loyal_members()[0]
    token = bearer(member_id, name)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        page = await _post(client, body(ORDERS_PAGE, {"first": 1}), token)
        order_id = page["orders"]["edges"][0]["node"]["id"]
        cases = {
            "orders(first: 50) nested": (body(ORDERS_PAGE, {"first": 50}), token),
            "order(id) detail + history": (body(ORDER_DETAIL, {"id": order_id}), token),
            "products(first: 50)": (body(PRODUCTS_PAGE, {"first": 50}), ""),
        }
        spent: dict[tuple[str, str], list[float]] = {}
        for _ in range(rounds):
            for case, (payload, authorization) in cases.items():
                for executor, executor_class in EXECUTORS.items():
                    schema.execution_context_class = executor_class
                    for _ in range(2):
                        await _post(client, payload, authorization)
                    started = time.process_time()
                    for _ in range(requests):
                        await _post(client, payload, authorization)
                    per_request = (time.process_time() - started) / requests * 1000
                    spent.setdefault((case, executor), []).append(per_request)
    await services.close()
    print(f"CPU ms per request, median of {rounds} rounds (lowest to highest):")  # noqa: T201
    for case in cases:
        medians = {}
        for executor in EXECUTORS:
            figures = spent[(case, executor)]
            medians[executor] = statistics.median(figures)
            print(  # noqa: T201
                f"  {case:28} {executor:13} {medians[executor]:6.1f}"
                f"  ({min(figures):.1f} to {max(figures):.1f})"
            )
        ratio = medians["compiled"] / medians["graphql-core"]
        print(f"  {case:28} compiled/graphql-core {ratio:.2f}")  # noqa: T201


def main() -> None:
    run_in_turns(__doc__.split("\n")[0], measure, requests=10)


if __name__ == "__main__":
    main()
