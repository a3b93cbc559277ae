"""Limits, rate limiting, masked errors and the production posture, over HTTP."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
import strawberry.schema.schema as strawberry_schema_module
from graphql import validate as graphql_validate
from httpx import AsyncClient
from sqlalchemy import update

import schema.response_cache.extension as response_cache_extension
from bootstrap import Services
from infrastructure.database.tables import order_table
from infrastructure.database.types import utc_now
from infrastructure.settings import load_settings
from resolvers.common.ids import to_global_id
from tests.support.apps import AppFactory
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import place_ok


def _nested(depth: int) -> str:
    query = "id"
    for _ in range(depth):
        query = f"member {{ orders(first: 1) {{ edges {{ node {{ {query} }} }} }} }}"
    return f"{{ me {{ orders(first: 1) {{ edges {{ node {{ {query} }} }} }} }} }}"


async def test_a_query_deeper_than_the_limit_is_refused(client: AsyncClient) -> None:
    body = await graphql(client, _nested(3))
    assert body["data"] is None
    assert "exceeds maximum operation depth of 12" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(client: AsyncClient) -> None:
    aliases = " ".join(f"a{i}: me {{ id }}" for i in range(31))
    body = await graphql(client, f"{{ {aliases} }}")
    assert body["data"] is None
    assert re.search(r"31 aliases .*30", body["errors"][0]["message"]), body


@pytest.mark.in_process  # counts calls in this process
async def test_the_same_query_text_is_validated_once(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    validated: list[object] = []

    def counting_validate(*args: Any, **kwargs: Any) -> Any:
        validated.append(args[1])
        return graphql_validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema_module, "validate", counting_validate)
    query = f"query Once{uuid4().hex} {{ products(first: 1) {{ edges {{ node {{ id }} }} }} }}"
    for _ in range(3):
        body = await graphql(client, query)
        assert "errors" not in body, body
    assert len(validated) == 1


async def test_too_many_tokens_are_refused(client: AsyncClient) -> None:
    fields = " ".join("__typename" for _ in range(5001))
    body = await graphql(client, f"{{ {fields} }}")
    assert body["data"] is None
    assert "5000 tokens" in body["errors"][0]["message"]


async def test_a_body_over_the_limit_is_refused_with_413_before_parsing(
    client: AsyncClient,
) -> None:
    big = "{ me { id } }" + " " * (64 * 1024)
    declared = await client.post("/graphql", json={"query": big})

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(70):
            yield b" " * 1024

    streamed = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert declared.status_code == 413
    assert "65536 bytes" in declared.text
    assert streamed.status_code == 413


async def test_a_query_costing_more_than_the_maximum_is_refused_with_its_cost(
    client: AsyncClient,
) -> None:
    page = "orders(first: 100) { edges { node { items { product { id } } history { status } } } }"
    body = await graphql(client, "{ " + " ".join(f"o{i}: {page}" for i in range(5)) + " }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT"
    assert error["extensions"]["cost"] > 50_000
    assert "exceeds the maximum of 50000" in error["message"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == error["extensions"]["cost"]


async def test_a_page_size_from_a_variables_default_is_counted(client: AsyncClient) -> None:
    """`$n: Int = 100` left out of the variables pages by 100: the cost counts 100, not the
    page of a missing `first` (it counted 20, and this query, 25 times the maximum, ran)."""
    page = "orders(first: $n) { edges { node { items { product { id } } history { status } } } }"
    query = "query ($n: Int = 100) { " + " ".join(f"o{i}: {page}" for i in range(5)) + " }"
    body = await graphql(client, query)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "COST_LIMIT"
    assert error["extensions"]["cost"] > 50_000


async def test_every_response_reports_its_cost_and_the_bucket(client: AsyncClient) -> None:
    body = await graphql(
        client, "{ products(first: 3) { edges { node { id price { amount } } } } }"
    )
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 + 3 * (1 + 1 + 1)
    assert 1 <= cost["actualQueryCost"] <= cost["requestedQueryCost"]
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 100_000
    assert status["restoreRate"] == 10_000
    assert 0 <= status["currentlyAvailable"] <= 100_000


async def test_a_client_over_its_budget_is_throttled_with_a_retry_after(
    app_with: AppFactory,
) -> None:
    query = "{ me { id } }"  # costs 1, and uses it
    limits = {"rate_limit_points": 1, "rate_limit_restore": 0.1, "jwt_secret": None}
    member = {"Authorization": f"Bearer {token_for(load_settings().effective_jwt_secret, 'x')}"}
    async with app_with(**limits) as first_process:
        allowed = await first_process.post("/graphql", json={"query": query}, headers=member)
    async with app_with(**limits) as second_process:
        throttled = await second_process.post("/graphql", json={"query": query}, headers=member)
    async with app_with(**limits) as third_process:
        anonymous = await third_process.post("/graphql", json={"query": query})

    assert allowed.status_code == 200
    assert allowed.json()["data"] == {"me": {"id": "TWVtYmVyOng"}}
    # the bucket is in Redis: another API process sees what the first one took
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["Retry-After"]) <= 10
    [error] = throttled.json()["errors"]
    assert error["extensions"]["code"] == "THROTTLED"
    assert 0 < error["extensions"]["retryAfter"] <= 10
    assert "throttled: this query costs 1 points" in error["message"]
    assert throttled.json()["data"] is None
    assert anonymous.status_code == 200  # an anonymous client pays from its address's bucket


async def test_introspection_is_free_requested_and_actual(client: AsyncClient) -> None:
    """What is below `__schema` and `__type` costs nothing, as the requested cost says, under an
    alias, in a fragment, or beside other fields: the actual cost counts the rest only."""
    alone = await graphql(client, "{ __schema { types { name fields { name } } } }")
    aliased = await graphql(
        client,
        "query { ...Root products(first: 2) { edges { node { id } } } } "
        'fragment Root on Query { s: __schema { queryType { name } } t: __type(name: "Order") '
        "{ fields { name } } }",
    )

    assert len(alone["data"]["__schema"]["types"]) > 20
    assert alone["extensions"]["cost"]["actualQueryCost"] == 1, alone["extensions"]
    assert aliased["data"]["t"]["fields"], aliased
    products = aliased["data"]["products"]["edges"]
    cost = aliased["extensions"]["cost"]
    assert cost["actualQueryCost"] == 1 + 2 * len(products), cost  # the page, its edges, nodes
    assert cost["actualQueryCost"] <= cost["requestedQueryCost"], cost


NOTHING_ASKED = "{ __typename }"
NOTHING_FOUND = f'{{ product(id: "{to_global_id("Product", 9_000_000_000_000)}") {{ id }} }}'
"""A request for no object, and one for a book there is not: each answers no object."""


@pytest.mark.parametrize(
    ("query", "response_cache"),
    [(NOTHING_ASKED, False), (NOTHING_FOUND, False), (NOTHING_FOUND, True)],
    ids=["no object asked", "no object found", "no object found, kept"],
)
async def test_a_request_that_answers_no_object_still_costs_a_point(
    app_with: AppFactory, query: str, response_cache: bool
) -> None:
    """At 0 points a flood of these was never throttled, however many a client sent: nothing
    asked cost 0, nothing found had its point given back, and a kept answer of nothing was
    charged the 0 it was kept with."""
    limits = {"rate_limit_points": 3, "rate_limit_restore": 0.1, "response_cache": response_cache}
    async with app_with(**limits) as client:
        answers = [await client.post("/graphql", json={"query": query}) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    for answer in answers[:3]:
        cost = answer.json()["extensions"]["cost"]
        assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (1, 1), cost
    assert answers[3].json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    hits = [a.json()["extensions"].get("responseCache", {}).get("hit") for a in answers[1:3]]
    assert hits == ([True, True] if response_cache else [None, None]), hits


async def test_the_rate_limiter_fails_open_when_redis_is_down(
    app_with: AppFactory, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(2):
        await create_product(services.engine)
    async with app_with(redis_url="redis://127.0.0.1:1/0") as client:
        body = await graphql(client, "{ products(first: 2) { edges { node { id } } } }")
    assert "errors" not in body
    assert len(body["data"]["products"]["edges"]) == 2
    assert any("rate limiter" in r.getMessage() for r in caplog.records)


async def test_an_unexpected_error_is_masked_and_logged_with_the_same_id(
    app_with: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async with app_with(database_url="postgresql://postgres@127.0.0.1:1/nowhere") as client:
        with caplog.at_level(logging.ERROR):
            body = await graphql(client, '{ products(first: 1, search: "x") { totalCount } }')

    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"internal error (id {error_id})"
    text = str(body)
    assert "Traceback" not in text
    assert "SELECT" not in text
    assert ".py" not in text
    [logged] = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged.exc_info is not None


@pytest.mark.in_process  # breaks the response cache of an app in this process
async def test_an_unexpected_error_around_execution_is_masked_and_logged(
    app_with: AppFactory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception out of an extension's hook (here the response cache's key) was answered with
    its own text, no code and no id, and logged nowhere: strawberry turns what escapes the
    operation into an error after our masking has run."""

    def broken(*_: object) -> str:
        raise RuntimeError("detail of /srv/orders/schema/response_cache/entries.py")

    monkeypatch.setattr(response_cache_extension, "key_of", broken)
    async with app_with(response_cache=True) as client:
        with caplog.at_level(logging.ERROR):
            body = await graphql(client, "{ shippingPolicy { fee { amount } } }")

    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL", error
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"internal error (id {error_id})"
    assert ".py" not in str(body)
    [logged] = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged.exc_info is not None


@pytest.mark.parametrize(
    ("request_args", "message"),
    [
        ({"content": b"{nope", "headers": {"Content-Type": "application/json"}}, "JSON"),
        ({"json": {}}, "No GraphQL query"),
        ({"json": {"query": 42}}, "must be a string"),
        ({"json": {"query": "{ me { id } }", "variables": "x"}}, "variables"),
        ({"content": b"{ me { id } }", "headers": {"Content-Type": "text/plain"}}, "content type"),
    ],
)
async def test_malformed_requests_get_400_with_a_message(
    client: AsyncClient, request_args: dict[str, Any], message: str
) -> None:
    response = await client.post("/graphql", **request_args)
    assert response.status_code == 400
    assert message.lower() in response.text.lower()


async def test_batches_run_each_operation_up_to_the_limit(client: AsyncClient) -> None:
    two = await client.post("/graphql", json=[{"query": "{ me { id } }"}] * 2)
    eleven = await client.post("/graphql", json=[{"query": "{ me { id } }"}] * 11)

    assert two.status_code == 200
    assert [r["data"] for r in two.json()] == [{"me": None}, {"me": None}]
    assert eleven.status_code == 400
    assert "at most 10 operations" in eleven.text


async def test_production_hides_the_schema_and_suggestions_unless_told(
    app_with: AppFactory,
) -> None:
    production = {"env": "production", "jwt_secret": "p" * 40, "carrier_webhook_secret": "w" * 40}
    introspect = "{ __schema { queryType { name } } }"
    async with app_with(**production) as closed:
        hidden = await graphql(closed, introspect)
        typo = await graphql(closed, "{ produc { id } }")
    async with app_with(**production, introspection=True) as opened:
        shown = await graphql(opened, introspect)
    async with app_with() as development:
        suggested = await graphql(development, "{ produc { id } }")

    assert hidden["data"] is None
    assert "introspection" in hidden["errors"][0]["message"].lower()
    assert "Did you mean" not in typo["errors"][0]["message"]
    assert shown["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    assert "Did you mean 'product'" in suggested["errors"][0]["message"]


ORDERS_BY_FILTER = "query ($f: OrderFilter) { orders(filter: $f) { totalCount } }"
SUGGESTED: dict[str, tuple[str, dict[str, Any] | None]] = {
    "field": ("{ produc { id } }", None),
    "field on an interface": ('{ node(id: "x") { title } }', None),
    "subfields": ("{ me }", None),
    "argument": ("{ products(frist: 1) { totalCount } }", None),
    "type of a variable": ("query ($f: OrderFiltr) { orders(filter: $f) { totalCount } }", None),
    "type of a fragment": ('{ node(id: "x") { ... on Produt { id } } }', None),
    "enum value": ("{ orders(filter: {status: [PAYED]}) { totalCount } }", None),
    "input field": ("{ orders(filter: {stauts: [PAID]}) { totalCount } }", None),
    "enum value in variables": (ORDERS_BY_FILTER, {"f": {"status": ["PAYED"]}}),
    "input field in variables": (ORDERS_BY_FILTER, {"f": {"stauts": ["PAID"]}}),
}


async def test_production_suggests_no_name_of_any_kind(app_with: AppFactory) -> None:
    production = {"env": "production", "jwt_secret": "p" * 40, "carrier_webhook_secret": "w" * 40}
    answers: dict[str, tuple[list[str], list[str]]] = {}
    async with app_with() as development, app_with(**production) as closed:
        for case, (query, variables) in SUGGESTED.items():
            answers[case] = (
                [e["message"] for e in (await graphql(development, query, variables))["errors"]],
                [e["message"] for e in (await graphql(closed, query, variables))["errors"]],
            )

    for case, (suggested, hidden) in answers.items():
        assert any("Did you mean" in m for m in suggested), (case, suggested)
        assert hidden, case
        assert not any("Did you mean" in m for m in hidden), (case, hidden)


async def test_cors_answers_only_the_listed_origins_in_production(app_with: AppFactory) -> None:
    production = {"env": "production", "jwt_secret": "p" * 40, "carrier_webhook_secret": "w" * 40}
    preflight = {"Access-Control-Request-Method": "POST"}
    async with app_with(**production, cors_origins=("https://books.example",)) as client:
        listed = await client.options(
            "/graphql", headers={"Origin": "https://books.example", **preflight}
        )
        unlisted = await client.options(
            "/graphql", headers={"Origin": "https://evil.example", **preflight}
        )

    assert listed.headers["access-control-allow-origin"] == "https://books.example"
    assert "access-control-allow-origin" not in unlisted.headers


async def test_an_idempotency_key_is_honoured_a_day_later(
    client: AsyncClient, services: Services
) -> None:
    customer = token_for(services.settings.effective_jwt_secret, random_member_id())
    book = await create_product(services.engine)
    first = await place_ok(client, customer, [(book, 1)], key="kept-for-a-day")
    async with services.engine.begin() as conn:
        await conn.execute(
            update(order_table)
            .where(order_table.c.id == first)
            .values(created_at=utc_now() - timedelta(hours=25))
        )

    again = await place_ok(client, customer, [(book, 1)], key="kept-for-a-day")

    assert again == first
