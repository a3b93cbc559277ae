"""Bearer tokens, GraphiQL and the contract, as a client sees them over HTTP."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from graphql import build_schema as parse_sdl
from graphql import find_breaking_changes, find_dangerous_changes
from httpx import ASGITransport, AsyncClient

from api_app import create_app
from bootstrap import Services, build_services
from domain.status import OrderStatus
from infrastructure.settings import Settings, load_settings
from resolvers.common.ids import to_global_id
from schema.root import build_schema
from tests.conftest import TEST_JWT_SECRET
from tests.support.factories import create_member, create_order, create_product, token_for
from tests.support.graphql import error_codes, graphql

CONTRACT = Path(__file__).parents[2] / "docs" / "API.graphql"


def _claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "member-x",
        "role": "customer",
        "exp": now + timedelta(hours=1),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


BAD_TOKENS = {
    "expired": jwt.encode(_claims(exp=datetime.now(UTC) - timedelta(minutes=1)), TEST_JWT_SECRET),
    "not yet valid": jwt.encode(
        _claims(nbf=datetime.now(UTC) + timedelta(hours=1)), TEST_JWT_SECRET
    ),
    "wrong signature": jwt.encode(_claims(), "another-secret-that-is-long-enough-1234567"),
    "wrong algorithm": jwt.encode(_claims(), TEST_JWT_SECRET, algorithm="HS512"),
    "alg none": jwt.encode(_claims(), None, algorithm="none"),
    "missing sub": jwt.encode(_claims(sub=None), TEST_JWT_SECRET),
    "missing exp": jwt.encode({"sub": "member-x"}, TEST_JWT_SECRET),
    "unknown role": jwt.encode(_claims(role="admin"), TEST_JWT_SECRET),
    "garbage": "not.a.token",
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_an_untrusted_token_is_unauthenticated_never_a_server_error(
    client: AsyncClient, case: str
) -> None:
    body = await graphql(client, "{ products(first: 1) { totalCount } }", token=BAD_TOKENS[case])
    assert body["data"] is None
    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_a_header_that_is_not_bearer_is_unauthenticated(client: AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": "Basic abc"}
    )
    assert response.status_code == 200
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


async def test_graphiql_is_served_in_development(client: AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_graphiql_is_off_in_production(settings: Settings) -> None:
    production = load_settings(
        **{**settings.model_dump(), "env": "production", "carrier_webhook_secret": "w" * 40}
    )
    services: Services = build_services(production)
    try:
        app = create_app(services)
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/graphql", headers={"Accept": "text/html"})
    finally:
        await services.close()
    assert "graphiql" not in response.text.lower()
    assert response.status_code == 404


def test_the_schema_keeps_every_name_of_the_contract() -> None:
    contract = parse_sdl(CONTRACT.read_text())
    ours = parse_sdl(build_schema().as_str())

    assert [change.description for change in find_breaking_changes(contract, ours)] == []


def test_the_contract_names_everything_the_schema_serves() -> None:
    """Every addition is documented: nothing served that the contract lacks (a field, a type,
    an argument, an enum value)."""
    contract = parse_sdl(CONTRACT.read_text())
    ours = parse_sdl(build_schema().as_str())

    assert [change.description for change in find_breaking_changes(ours, contract)] == []
    assert [change.description for change in find_dangerous_changes(contract, ours)] == []


async def test_refusals_are_answers_not_logged_as_errors(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await graphql(client, "{ orders { totalCount } }")
    await graphql(client, "{ me { id } }", token=BAD_TOKENS["expired"])
    await graphql(client, "{ nosuchfield }")

    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_document_of_several_operations_needs_the_operations_name(
    client: AsyncClient, services: Services
) -> None:
    """Without operationName, strawberry ran the first of several operations (here a cancel),
    where the GraphQL spec makes it a request error."""
    member = await create_member(services.engine)
    order = await create_order(
        services.engine,
        member_id=member,
        product_ids=[await create_product(services.engine)],
        status=OrderStatus.PENDING,
    )
    token = token_for(services.settings.effective_jwt_secret, member)
    document = (
        f'mutation Cancel {{ cancelOrder(id: "{to_global_id("Order", order.id)}") '
        "{ order { status } errors { code } } } "
        "query Mine { me { id } }"
    )

    refused = await graphql(client, document, token=token)
    mine = (
        await client.post(
            "/graphql",
            json={"query": document, "operationName": "Mine"},
            headers={"Authorization": f"Bearer {token}"},
        )
    ).json()
    read = await graphql(
        client,
        "query ($id: ID!) { order(id: $id) { status } }",
        {"id": to_global_id("Order", order.id)},
        token=token,
    )

    assert refused.get("data") is None, refused
    assert "operation name" in refused["errors"][0]["message"], refused
    assert mine["data"]["me"]["id"] == to_global_id("Member", member), mine
    assert read["data"]["order"]["status"] == "PENDING", read
