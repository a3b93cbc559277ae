"""Reading the catalogue over HTTP: by id, by ISBN, search, pages and the product cache."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient

from api_app import create_app
from bootstrap import Services, build_services
from infrastructure.settings import Settings
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product
from tests.support.graphql import error_codes, graphql
from tests.support.statements import StatementLog

PRODUCT = """
query ($id: ID!) {
  product(id: $id) { id isbn title author publisher price { amount currency }
                     stock { available reserved } }
}
"""

PRODUCTS = """
query ($first: Int, $after: String, $search: String) {
  products(first: $first, after: $after, search: $search) {
    totalCount
    edges { cursor node { id title author } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


async def test_a_product_by_id_and_by_isbn(client: AsyncClient, services: Services) -> None:
    product_id = await create_product(services.engine, title="채식주의자", price=13500, available=7)
    gid = to_global_id("Product", product_id)

    by_id = await graphql(client, PRODUCT, {"id": gid})
    product = by_id["data"]["product"]
    by_isbn = await graphql(
        client,
        "query ($isbn: String!) { productByIsbn(isbn: $isbn) { id } }",
        {"isbn": product["isbn"]},
    )

    assert product["title"] == "채식주의자"
    assert product["price"] == {"amount": 13500, "currency": "KRW"}
    assert product["stock"] == {"available": 7, "reserved": 0}
    assert by_isbn["data"]["productByIsbn"]["id"] == gid
    missing = await graphql(client, PRODUCT, {"id": to_global_id("Product", 10**9)})
    assert missing["data"] == {"product": None}
    malformed = await graphql(client, PRODUCT, {"id": "not-an-id"})
    assert error_codes(malformed) == ["INVALID_INPUT"]
    wrong_kind = await graphql(client, PRODUCT, {"id": to_global_id("Order", product_id)})
    assert error_codes(wrong_kind) == ["INVALID_INPUT"]


async def test_search_matches_title_or_author_and_pages(
    client: AsyncClient, services: Services
) -> None:
    word = f"zq{secrets.token_hex(3)}"
    by_title = [
        await create_product(services.engine, title=f"The {word} book {i}") for i in range(3)
    ]
    by_author = await create_product(services.engine, author=f"{word.upper()} Kim")

    first_page = await graphql(client, PRODUCTS, {"first": 3, "search": word})
    connection = first_page["data"]["products"]
    second_page = await graphql(
        client,
        PRODUCTS,
        {"first": 3, "search": word, "after": connection["pageInfo"]["endCursor"]},
    )

    assert connection["totalCount"] == 4
    assert [e["node"]["id"] for e in connection["edges"]] == [
        to_global_id("Product", p) for p in by_title
    ]
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["pageInfo"]["hasPreviousPage"] is False
    rest = second_page["data"]["products"]
    assert [e["node"]["id"] for e in rest["edges"]] == [to_global_id("Product", by_author)]
    assert rest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": rest["edges"][0]["cursor"],
    }


async def test_like_wildcards_in_a_search_are_literal(client: AsyncClient) -> None:
    body = await graphql(client, PRODUCTS, {"search": "%_%"})
    assert body["data"]["products"]["totalCount"] == 0


async def test_control_characters_are_refused_in_a_search_and_match_no_isbn(
    client: AsyncClient,
) -> None:
    search = await graphql(client, PRODUCTS, {"search": "a\x00b"})
    isbn = await graphql(client, '{ productByIsbn(isbn: "978\\u0000") { id } }')

    assert error_codes(search) == ["INVALID_INPUT"]
    assert "U+0000" in search["errors"][0]["message"]
    assert isbn == {"data": {"productByIsbn": None}, "extensions": isbn["extensions"]}


async def test_more_than_100_a_page_is_an_error(client: AsyncClient) -> None:
    body = await graphql(client, PRODUCTS, {"first": 101})
    assert error_codes(body) == ["INVALID_INPUT"]
    assert body["errors"][0]["message"] == "first: first is 101; a page holds at most 100"


async def test_the_second_identical_request_reads_no_product_row(
    client: AsyncClient, services: Services, statements: StatementLog
) -> None:
    gid = to_global_id("Product", await create_product(services.engine))
    statements.clear()

    await graphql(client, PRODUCT, {"id": gid})
    assert len(statements.touching("product")) == 1
    statements.clear()
    again = await graphql(client, PRODUCT, {"id": gid})

    assert again["data"]["product"]["id"] == gid
    assert statements.count() == 0


@pytest.fixture
async def services_without_redis(settings: Settings) -> AsyncIterator[Services]:
    """The same database, with the cache pointed at a port where no Redis listens."""
    dead = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    built = build_services(dead)
    yield built
    await built.close()


async def test_requests_succeed_from_the_database_when_redis_is_unreachable(
    services_without_redis: Services,
) -> None:
    services = services_without_redis
    gid = to_global_id("Product", await create_product(services.engine, title="Redis-less"))
    app = create_app(services)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        first = await graphql(client, PRODUCT, {"id": gid})
        second = await graphql(client, PRODUCTS, {"search": "Redis-less"})

    assert first["data"]["product"]["title"] == "Redis-less"
    assert second["data"]["products"]["totalCount"] >= 1
