"""GraphQL over HTTP as graphql-http's audit suite (the spec's own test of a server, on Node)
checks it: every MUST, and every SHOULD of application/graphql-response+json."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient

from infrastructure.settings import Settings
from tests.support.node_clients import run_node_client
from tests.support.processes import start_api

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture(scope="module")
async def api(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    process, url = await start_api(settings, tmp_path_factory.mktemp("api") / "api.log")
    yield url
    await asyncio.to_thread(process.stop)


async def _audit(api: str) -> list[dict[str, Any]]:
    async with run_node_client("audit.mjs", f"{api}/graphql") as client:
        results = await client.remaining_lines()
        assert await client.finish() == (0, "")
    return results


async def test_the_audit_suite_passes_every_must_and_graphql_response_should(api: str) -> None:
    results = await _audit(api)

    failed = {r["id"]: f"{r['name']}: {r['reason']}" for r in results if r["status"] == "error"}
    warned = {
        r["id"]: f"{r['name']}: {r['reason']}"
        for r in results
        if r["status"] != "ok" and r["name"].startswith("SHOULD") and GRAPHQL_RESPONSE in r["name"]
    }
    assert len(results) > 50
    assert failed == {}
    assert warned == {}


@pytest.mark.parametrize("query", ["{", "{ nosuchfield }"])
async def test_a_request_that_fails_before_execution_is_400_without_data(
    client: AsyncClient, query: str
) -> None:
    asked = {"Accept": GRAPHQL_RESPONSE}
    response = await client.post("/graphql", json={"query": query}, headers=asked)
    legacy = await client.post("/graphql", json={"query": query})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json()
    assert response.json()["errors"]
    assert legacy.status_code == 200
    assert legacy.json()["data"] is None


async def test_a_query_that_runs_is_200_in_either_media_type(client: AsyncClient) -> None:
    for accept, media in [(GRAPHQL_RESPONSE, GRAPHQL_RESPONSE), ("*/*", "application/json")]:
        response = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert response.json() == {"data": {"__typename": "Query"}} | (
            {"extensions": response.json()["extensions"]} if "extensions" in response.json() else {}
        )


@pytest.mark.parametrize("accept", [";;;", "a/b/c", "application/json, /x", "text"])
async def test_an_accept_header_that_does_not_parse_is_answered_as_application_json(
    client: AsyncClient, accept: str
) -> None:
    """mimeparse raised on these, and the request was answered 500 with a traceback logged."""
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] == {"__typename": "Query"}
