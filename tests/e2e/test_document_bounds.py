"""Documents whose validation would cost more than their size: refused by one cheap walk before
graphql-core validates them, and every refused document costs its client points (issue #11)."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema_module
from graphql import get_introspection_query
from graphql import parse as graphql_parse
from graphql import validate as graphql_validate
from httpx import AsyncClient

from infrastructure.settings import load_settings
from tests.support.apps import AppFactory
from tests.support.factories import random_member_id, token_for
from tests.support.graphql import graphql

REPEATED = "{ " + " ".join(["me { orders(first: 1) { totalCount } }"] * 290) + " }"
"""The document of the issue: one field 290 times, no alias, about 11 KB."""

BOMB = "\n".join(
    [
        "{ ...F0 }",
        *(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30)),
        "fragment F30 on Query { __typename }",
    ]
)
"""A fragment that expands to 2^30 selections, in 1.5 KB."""

WIDE = "{ " + " ".join(f"a{i}: __typename" for i in range(1001)) + " }"
"""1001 selections, each under a key of its own."""

IN_FRAGMENTS = (
    "{ me { ...A ...B ...C } } "
    "fragment A on Member { id orders(first: 1) { totalCount } } "
    "fragment B on Member { id orders(first: 1) { totalCount } } "
    "fragment C on Member { id ...D ...D ...D ...D } "
    "fragment D on Member { orders(first: 1) { totalCount } }"
)
"""`me.orders` six times at one place, spread over fragments."""

UNUSED = "{ __typename } fragment Unused on Query { " + "me { id } " * 6 + "}"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The documents graphql-core's `validate` is called with, through strawberry."""
    seen: list[object] = []

    def counting_validate(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[1])
        return graphql_validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema_module, "validate", counting_validate)
    return seen


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts strawberry parses."""
    seen: list[str] = []

    def counting_parse(source: str, **options: Any) -> Any:
        seen.append(source)
        return graphql_parse(source, **options)

    monkeypatch.setattr(strawberry_schema_module, "parse", counting_parse)
    return seen


@pytest.mark.parametrize(
    ("document", "refusal"),
    [
        (REPEATED, "the field 'me' is asked for more than 5 times at one place"),
        (IN_FRAGMENTS, "the field 'orders' is asked for more than 5 times at one place"),
        (UNUSED, "the field 'me' is asked for more than 5 times at one place"),
        (BOMB, "the field '__typename' is asked for more than 5 times at one place"),
        (WIDE, "the document has more than 1000 selections"),
    ],
    ids=["repeated", "in fragments", "in an unused fragment", "fragment bomb", "wide"],
)
async def test_a_document_over_a_bound_is_refused_without_validation(
    client: AsyncClient, validations: list[object], document: str, refusal: str
) -> None:
    body = await graphql(client, document)

    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "DOCUMENT_LIMIT"
    assert refusal in error["message"]
    assert "the limit is" in error["message"]
    assert validations == []


async def test_documents_within_the_bounds_are_validated_and_answered(
    client: AsyncClient, validations: list[object]
) -> None:
    five = "{ " + " ".join(["me { id }"] * 5) + " }"
    introspection = get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True
    )

    answered = await graphql(client, five)
    again = await graphql(client, five)
    described = await graphql(client, introspection)

    assert answered["data"] == again["data"] == {"me": None}
    assert "errors" not in described
    assert described["data"]["__schema"]["queryType"]["name"] == "Query"
    assert len(validations) == 2  # the repeated document once: its verdict is cached


async def test_only_documents_that_passed_are_kept_parsed(
    client: AsyncClient, parses: list[str]
) -> None:
    valid = "{ me { id } } # kept"
    for _ in range(2):
        await graphql(client, valid)
        await graphql(client, REPEATED)

    assert parses.count(valid) == 1
    assert parses.count(REPEATED) == 2


@pytest.mark.parametrize(
    "document",
    [REPEATED, "{ produc { id } }", "{ me { id "],
    ids=["over a bound", "invalid", "unparsable"],
)
async def test_a_refused_document_costs_its_client_points(
    app_with: AppFactory, document: str
) -> None:
    member = token_for(load_settings().effective_jwt_secret, random_member_id())
    slow_refill = {"rate_limit_restore": 0.001, "jwt_secret": None}
    async with app_with(**slow_refill) as client:
        refused = await client.post(
            "/graphql", json={"query": document}, headers={"Authorization": f"Bearer {member}"}
        )
        after = await graphql(client, "{ me { id } }", token=member)

    assert refused.json()["errors"], refused.text
    status = after["extensions"]["cost"]["throttleStatus"]
    # 100,000 less 1,000 for the refused document and 1 for `me`
    assert status["currentlyAvailable"] == 100_000 - 1_000 - 1


async def test_a_client_whose_bucket_fell_short_is_refused_before_its_next_document_is_parsed(
    app_with: AppFactory, parses: list[str]
) -> None:
    token = token_for(load_settings().effective_jwt_secret, random_member_id())
    member = {"Authorization": f"Bearer {token}"}
    small = {"rate_limit_points": 1500, "rate_limit_restore": 0.01, "jwt_secret": None}
    async with app_with(**small) as client:
        paid = await client.post("/graphql", json={"query": REPEATED}, headers=member)
        unpaid = await client.post("/graphql", json={"query": REPEATED}, headers=member)
        refused = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=member)

    assert [r.status_code for r in (paid, unpaid, refused)] == [200, 200, 429]
    assert paid.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_LIMIT"
    assert unpaid.json()["errors"][0]["extensions"]["code"] == "DOCUMENT_LIMIT"
    [error] = refused.json()["errors"]
    assert error["extensions"]["code"] == "THROTTLED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert parses == [REPEATED, REPEATED]  # the third was refused before it was parsed
