"""Queries and mutations generated from our own schema, valid and broken ones: the server never
answers 5xx, never logs an unhandled error, and every error is a GraphQL error.

`make test` runs a bounded number of examples; `ORDERS_FUZZ_EXAMPLES=2000 make e2e` runs more.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from datetime import UTC

import pytest
from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from api_app import create_app
from bootstrap import Services
from domain.member import Role
from schema.root import build_schema
from tests.support.factories import random_member_id, token_for

EXAMPLES = int(os.environ.get("ORDERS_FUZZ_EXAMPLES", "60"))
SCHEMA = build_schema().as_str()
SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(
        lambda moment: nodes.String(moment.isoformat())
    ),
}
QUERIES = from_schema(SCHEMA, custom_scalars=SCALARS, fields=None)
BROKEN = from_schema(SCHEMA, custom_scalars=SCALARS, mode=Mode.NEGATIVE)


@pytest.fixture(scope="module")
async def fuzz_client(services: Services) -> AsyncIterator[AsyncClient]:
    app = create_app(services)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        yield client


@pytest.fixture(scope="module")
def tokens(services: Services) -> list[str | None]:
    secret = services.settings.effective_jwt_secret
    return [
        None,
        token_for(secret, random_member_id()),
        token_for(secret, "fuzz-staff", Role.STAFF),
    ]


async def _send(client: AsyncClient, document: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": document}, headers=headers)
    assert response.status_code < 500, response.text
    body = response.json() if response.status_code == 200 else {}
    if response.status_code == 200:
        assert set(body) <= {"data", "errors", "extensions"}, body
        for error in body.get("errors", []):
            assert isinstance(error["message"], str)
            assert error.get("extensions", {}).get("code") != "INTERNAL", error


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(document=QUERIES, who=st.integers(min_value=0, max_value=2))
async def test_generated_operations_never_break_the_server(
    fuzz_client: AsyncClient,
    tokens: list[str | None],
    caplog: pytest.LogCaptureFixture,
    document: str,
    who: int,
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        await _send(fuzz_client, document, tokens[who])
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@FUZZ
@given(document=BROKEN)
async def test_broken_operations_are_refused_cleanly(
    fuzz_client: AsyncClient, caplog: pytest.LogCaptureFixture, document: str
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        await _send(fuzz_client, document, None)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
