"""GraphiQL in a real browser on a closed network: every request that leaves the machine is
blocked, so the page works only if the app serves everything it loads. A query typed into its
editor answers, and a subscription streams."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, Route, async_playwright, expect

from resolvers.common.ids import to_global_id
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.embedded import embedded_run

CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { errors { code } } }"
PLACE = """mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id } errors { code } } }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `make run` for both tests: the query reads the catalogue, which the subscription's
    order does not change."""
    # a gateway that never answers keeps the order in STOCK_RESERVED until it is cancelled
    with embedded_run(tmp_path_factory.mktemp("graphiql"), ORDERS_RETRY_DELAYS="600") as url:
        yield url


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (.ci/run does)"
    return CHROMIUM


@pytest.fixture
async def offline_page(chromium: str) -> AsyncIterator[tuple[Page, list[str]]]:
    """A page that can reach only this machine; the second item lists what it was refused."""
    refused: list[str] = []

    async def only_loopback(route: Route) -> None:
        if _loopback(route.request.url):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        await context.route("**/*", only_loopback)
        yield await context.new_page(), refused
        await browser.close()


async def _type_into(page: Page, editor: str, text: str) -> None:
    """Replaces what a GraphiQL editor holds by typing `text`, as a person would."""
    await page.locator(f"{editor} .CodeMirror >> visible=true").first.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.press("Delete")
    await page.keyboard.type(text)


async def _run(page: Page, typed: str) -> None:
    """Runs the operation once GraphiQL has taken in what was typed: it reads the editor after
    a pause in typing, and stores the query when it does (before that, it would not know the
    operation is a subscription, and would send it over HTTP)."""
    await page.wait_for_function(
        "typed => (localStorage.getItem('graphiql:query') || '').includes(typed)", arg=typed
    )
    await page.locator(".graphiql-execute-button").click()


def _response(page: Page) -> Locator:
    return page.locator(".graphiql-response .CodeMirror")


async def test_a_query_typed_into_graphiql_answers_with_no_internet(
    server: str, offline_page: tuple[Page, list[str]]
) -> None:
    page, refused = offline_page
    await page.goto(f"{server}/graphql")
    await expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()

    await _type_into(page, ".graphiql-query-editor", "{ products(first: 2) { totalCount")
    await _run(page, "totalCount")

    await expect(_response(page)).to_contain_text('"totalCount": 295')
    assert refused == []


async def test_a_subscription_streams_in_graphiql_with_no_internet(
    server: str, offline_page: tuple[Page, list[str]]
) -> None:
    page, refused = offline_page
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        token = (await http.post("/dev/token", json={"member": "graphiql-lee"})).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        placed = await http.post(
            "/graphql",
            headers=headers,
            json={
                "query": PLACE,
                "variables": {
                    "input": {
                        "items": [{"productId": to_global_id("Product", 1), "quantity": 1}],
                        "shippingAddress": {
                            "recipient": "이서연",
                            "phone": "010-2345-6789",
                            "zipCode": "04524",
                            "line1": "서울특별시 중구 세종대로 110",
                        },
                        "payment": {"token": "tok_down"},
                    }
                },
            },
        )
        order_id = placed.json()["data"]["placeOrder"]["order"]["id"]

        await page.goto(f"{server}/graphql")
        await expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
        await page.get_by_role("button", name="Headers").click()
        await _type_into(page, ".graphiql-editor-tool", f'{{"Authorization": "Bearer {token}')
        await page.wait_for_function(  # GraphiQL has taken the headers in (it stores them)
            "token => (localStorage.getItem('graphiql:headers') || '').includes(token)", arg=token
        )
        await _type_into(
            page,
            ".graphiql-query-editor",
            f'subscription {{ orderStatusChanged(orderId: "{order_id}") {{ status cancelReason',
        )
        await _run(page, "cancelReason")

        response = _response(page)
        await expect(response).to_contain_text('"status": "')
        first = await response.inner_text()
        cancelled = await http.post(
            "/graphql", headers=headers, json={"query": CANCEL, "variables": {"id": order_id}}
        )
        assert cancelled.json()["data"]["cancelOrder"]["errors"] == []
        await expect(response).to_contain_text('"cancelReason": "CUSTOMER_REQUEST"')

    assert "CANCELLED" not in first
    assert refused == []
