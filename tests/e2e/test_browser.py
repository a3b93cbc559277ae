"""A customer in a real browser (Debian's Chromium, driven by Playwright): sign in, put a book
in the basket, pay, and watch the order reach DELIVERED on screen, live."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.support.embedded import embedded_run

LIFE = ["PENDING", "STOCK_RESERVED", "PAID", "PREPARING", "SHIPPED", "DELIVERED"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[str]:
    with embedded_run(tmp_path, ORDERS_CARRIER_STEP_SECONDS="0.5") as url:
        yield url


@pytest.fixture
def chromium() -> str:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (.ci/run does)"
    return CHROMIUM


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


async def _place_an_order(page: Page, shop: str, token: str) -> None:
    await page.goto(f"{shop}/")
    await page.get_by_test_id("signin-member").fill("browser-kim")
    await page.get_by_test_id("signin-name").fill("김민준")
    await page.get_by_test_id("signin-submit").click()
    await expect(page.get_by_test_id("signed-in-as")).to_contain_text("김민준")
    await page.get_by_test_id("search-input").fill("소년이 온다")
    await page.get_by_test_id("search-input").press("Enter")
    await expect(page.get_by_test_id("product-card")).to_have_count(1)
    await page.get_by_test_id("add-to-basket").first.click()
    await page.get_by_test_id("basket-link").click()
    await expect(page.get_by_test_id("basket-line")).to_have_count(1)
    await page.get_by_test_id("payment-token").select_option(token)
    await page.get_by_test_id("place-order").click()


async def test_a_customer_follows_an_order_to_the_door(
    shop: str, browser: Browser, tmp_path: Path
) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900})

    await _place_an_order(page, shop, "tok_ok")

    status = page.get_by_test_id("order-status")
    indicator = page.get_by_test_id("live-indicator")
    await expect(indicator).to_have_attribute(
        "data-pushed", re.compile(r"\bDELIVERED$"), timeout=30_000
    )
    await expect(status).to_have_attribute("data-status", "DELIVERED")
    tracking = page.get_by_test_id("tracking-event")
    await expect(tracking).to_have_count(6)  # registered, then CJ대한통운's five scans
    for scan in ("집화처리", "간선상차", "간선하차", "배송출발", "배달완료"):
        await expect(tracking.filter(has_text=scan)).to_have_count(1)
    await expect(page.get_by_test_id("timeline-entry")).to_have_count(6)
    assert await indicator.get_attribute("data-mode") == "ended"
    # every status from the first pushed one to DELIVERED came over the socket, once, in order
    pushed = str(await indicator.get_attribute("data-pushed")).split()
    assert pushed == LIFE[LIFE.index(pushed[0]) :]
    await expect(page.get_by_test_id("order-number")).to_contain_text("-")
    await page.screenshot(path=str(tmp_path / "delivered.png"), full_page=True)
    assert (tmp_path / "delivered.png").stat().st_size > 10_000


async def test_a_declined_card_shows_the_cancellation(shop: str, browser: Browser) -> None:
    page = await browser.new_page(viewport={"width": 375, "height": 800})

    await _place_an_order(page, shop, "tok_decline")

    await expect(page.get_by_test_id("order-status")).to_have_attribute(
        "data-status", "CANCELLED", timeout=30_000
    )
    await page.get_by_test_id("my-orders-link").click()
    await expect(page.get_by_test_id("order-row").first).to_be_visible()


async def test_a_bad_address_is_shown_next_to_its_field(shop: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{shop}/")
    await page.get_by_test_id("signin-submit").click()
    await page.get_by_test_id("add-to-basket").nth(2).click()
    await page.get_by_test_id("basket-link").click()
    await page.get_by_test_id("address-zip").fill("12")

    await page.get_by_test_id("place-order").click()

    error = page.get_by_test_id("user-error").first
    await expect(error).to_have_attribute("data-field", "input.shippingAddress.zipCode")
    await expect(error).to_contain_text("zipCode must be 5 digits")
