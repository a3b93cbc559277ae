"""A customer in a real browser (Debian's Chromium, driven by Playwright): sign in, put a book
in the basket, pay, and watch the order reach DELIVERED on screen, live; in Korean, with times
in Seoul wherever the browser is."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from domain.member import Role
from infrastructure.settings import DEVELOPMENT_JWT_SECRET
from tests.support.embedded import embedded_run
from tests.support.factories import random_isbn, token_for

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

EXPECT_DEADLINE_MS = 30_000
"""How long an expectation waits for the page (Playwright's default is 5 s): a failure limit,
never a wait a passing test sits through. With the tiers on two test workers on a loaded 2-core
machine, the page showed a placed order's refusal more than 5 s after the click. Set for the
whole test process: test_graphiql's expectations take it too."""
expect.set_options(timeout=EXPECT_DEADLINE_MS)


SEOUL = timezone(timedelta(hours=9))
ELSEWHERE = "America/New_York"
"""The browser's own time zone in these tests: 14 hours from Seoul's, so a time shown in the
browser's zone (or in UTC) cannot pass for Seoul's."""

# The Latin words among what the page shows and says (text, and the labels and hints a screen
# reader reads), leaving out what comes from the data: the page marks that translate="no".
LATIN_WORDS = """() => {
  const words = [];
  const ours = (el) => el && !el.closest('[translate="no"], script, style, noscript, option');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!ours(el) || !el.checkVisibility() || !el.getClientRects().length) continue;
    words.push(...(node.textContent.match(/[A-Za-z]{2,}/g) ?? []));
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    if (!ours(el) || !el.checkVisibility()) continue;
    for (const name of ['aria-label', 'placeholder', 'title']) {
      words.push(...((el.getAttribute(name) ?? '').match(/[A-Za-z]{2,}/g) ?? []));
    }
  }
  return [...words, ...(document.title.match(/[A-Za-z]{2,}/g) ?? [])];
}"""


async def _screenshot_in_korean(page: Page, path: Path) -> None:
    """A screenshot of a page that speaks Korean: no word of the page's own is in English."""
    assert await page.evaluate(LATIN_WORDS) == []
    image = await page.screenshot(path=str(path), full_page=True)
    assert len(image) > 10_000


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One `make run` for the tests that shop on the demo catalogue: each signs in, places and
    reads only its own order, in a browser of its own."""
    with embedded_run(tmp_path_factory.mktemp("shop"), ORDERS_CARRIER_STEP_SECONDS="0.5") as url:
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
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, timezone_id=ELSEWHERE)

    await _place_an_order(page, shop, "tok_ok")

    status = page.get_by_test_id("order-status")
    indicator = page.get_by_test_id("live-indicator")
    await expect(indicator).to_have_attribute("data-pushed", re.compile(r"\bDELIVERED$"))
    await expect(status).to_have_attribute("data-status", "DELIVERED")
    tracking = page.get_by_test_id("tracking-event")
    await expect(tracking).to_have_count(6)  # registered, then CJ대한통운's five scans
    for scan in ("집화처리", "간선상차", "간선하차", "배송출발", "배달완료"):
        await expect(tracking.filter(has_text=scan)).to_have_count(1)
    timeline = page.get_by_test_id("timeline-entry")
    await expect(timeline.and_(page.locator('[data-kind="ORDER_STATUS"]'))).to_have_count(6)
    await expect(timeline.and_(page.locator('[data-kind="PAYMENT_APPROVED"]'))).to_have_count(1)
    await expect(timeline.and_(page.locator('[data-kind="PARCEL_SCAN"]'))).to_have_count(5)
    times = [
        str(await when.get_attribute("datetime")) for when in await timeline.locator("time").all()
    ]
    assert times == sorted(times, key=datetime.fromisoformat)
    assert await indicator.get_attribute("data-mode") == "ended"
    # every status from the first pushed one to DELIVERED came over the socket, once, in order
    pushed = str(await indicator.get_attribute("data-pushed")).split()
    assert pushed == LIFE[LIFE.index(pushed[0]) :]
    await expect(page.get_by_test_id("order-number")).to_contain_text("-")
    placed = page.get_by_test_id("order-placed-at")
    in_seoul = datetime.fromisoformat(str(await placed.get_attribute("datetime"))).astimezone(SEOUL)
    hour = in_seoul.hour % 12 or 12
    await expect(placed).to_contain_text(f"{in_seoul.year}. {in_seoul.month}. {in_seoul.day}.")
    await expect(placed).to_contain_text(f"{hour}:{in_seoul.minute:02d}:{in_seoul.second:02d}")
    await expect(page.get_by_test_id("order-number")).to_contain_text(f"{in_seoul:%Y%m%d}-")
    await _screenshot_in_korean(page, tmp_path / "delivered.png")


async def test_a_declined_card_shows_the_cancellation(
    shop: str, browser: Browser, tmp_path: Path
) -> None:
    page = await browser.new_page(viewport={"width": 375, "height": 800})

    await _place_an_order(page, shop, "tok_decline")

    await expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "CANCELLED")
    await expect(page.get_by_test_id("timeline-entry").last).to_contain_text("결제가 거절되어")
    await _screenshot_in_korean(page, tmp_path / "cancelled.png")
    await page.get_by_test_id("my-orders-link").click()
    await expect(page.get_by_test_id("order-row").first).to_be_visible()


async def test_a_bad_address_is_shown_next_to_its_field(shop: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{shop}/")
    await page.get_by_test_id("signin-submit").click()
    # the sign-in draws the page again: a fill Playwright aimed before it answers could land in
    # the field the new page replaces
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    await page.get_by_test_id("add-to-basket").nth(2).click()
    await page.get_by_test_id("basket-link").click()
    await page.get_by_test_id("address-zip").fill("12")

    await page.get_by_test_id("place-order").click()

    error = page.get_by_test_id("user-error").first
    await expect(error).to_have_attribute("data-field", "input.shippingAddress.zipCode")
    await expect(error).to_have_text("우편번호는 숫자 다섯 자리로 입력하세요.")
    assert await page.evaluate(LATIN_WORDS) == []

    await page.get_by_test_id("language-switch").click()  # English, for the developers
    await expect(page.get_by_test_id("place-order")).to_contain_text("Place order")
    await page.get_by_test_id("place-order").click()
    english = page.get_by_test_id("user-error").first
    await expect(english).to_contain_text("zipCode must be 5 digits")


async def test_a_search_being_typed_survives_the_page_drawn_again(
    shop: str, browser: Browser
) -> None:
    """A sign-in or the language switch draws the page again; what the customer had typed in
    the search box, not yet sent, stays there and is searched. Typed and switched in one turn
    of the page's event loop, so the search's own delay cannot have sent it first."""
    page = await browser.new_page()
    await page.goto(f"{shop}/")
    await expect(page.get_by_test_id("product-card")).to_have_count(12)

    await page.evaluate(
        """() => {
          const input = document.querySelector('[data-testid="search-input"]');
          input.value = '소년이 온다';
          input.dispatchEvent(new Event('input', { bubbles: true }));
          document.querySelector('[data-testid="language-switch"]').click();
        }"""
    )

    await expect(page.locator("h1")).to_contain_text("Books")
    await expect(page.get_by_test_id("search-input")).to_have_value("소년이 온다")
    await expect(page.get_by_test_id("product-card")).to_have_count(1)


async def test_a_field_being_typed_keeps_its_focus_when_the_sign_in_answers(
    shop: str, browser: Browser
) -> None:
    """A sign-in draws the page again when it answers. A customer typing the address by then
    keeps typing into the same field: its value and its focus come back in the new page, so no
    key is lost. The sign-in is sent and the field focused in one turn of the page's event loop,
    so the answer comes while the field is being typed in."""
    page = await browser.new_page()
    await page.goto(f"{shop}/")
    await page.get_by_test_id("add-to-basket").first.click()
    await page.get_by_test_id("basket-link").click()
    await expect(page.get_by_test_id("address-zip")).to_be_visible()

    await page.evaluate(
        """() => {
          document.querySelector('[data-testid="signin-submit"]').click();
          const zip = document.querySelector('[data-testid="address-zip"]');
          zip.focus();
          zip.value = '12';
          zip.dispatchEvent(new Event('input', { bubbles: true }));
        }"""
    )
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    await page.keyboard.type("345")

    await expect(page.get_by_test_id("address-zip")).to_have_value("12345")
    await expect(page.get_by_test_id("address-zip")).to_be_focused()


def _staff_adds_books(shop: str, *books: tuple[str, int]) -> None:
    """Books of (title, list price) at 10 % off and 5 % in points, as staff would add them."""
    token = token_for(DEVELOPMENT_JWT_SECRET, "staff-lee", Role.STAFF)
    for title, price in books:
        answer = httpx.post(
            f"{shop}/graphql",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "query": "mutation($input: CreateProductInput!) "
                "{ createProduct(input: $input) { errors { message } } }",
                "variables": {
                    "input": {
                        "isbn": random_isbn(),
                        "title": title,
                        "author": "기형도",
                        "price": price,
                        "initialStock": 10,
                        "discountRate": 1000,
                        "pointsRate": 500,
                    }
                },
            },
        ).json()
        assert answer["data"]["createProduct"]["errors"] == [], answer


async def _action(page: Page, action: str) -> Locator:
    """The order page's action, once the server says it is available."""
    item = page.locator(f'[data-testid="action"][data-action="{action}"]')
    await expect(item).to_have_attribute("data-available", "true")
    return item


@asynccontextmanager
async def _keyed(page: Page, mutation: str) -> AsyncIterator[None]:
    """The mutation the block sends carries an idempotency key (a retry of it changes the
    order once)."""
    async with page.expect_request(lambda r: f"{mutation}(" in (r.post_data or "")) as sent:
        yield
    variables = json.loads((await sent.value).post_data or "{}")["variables"]
    assert UUID(variables["idempotencyKey"])


async def test_prices_points_a_partial_cancellation_and_an_address_change(
    browser: Browser, tmp_path: Path
) -> None:
    # pickup 10 s after a parcel is registered: time to change its address and cancel a line;
    # a fee of the shop's own, which the basket reads from the API
    with embedded_run(
        tmp_path, ORDERS_CARRIER_STEP_SECONDS="10", ORDERS_SHIPPING_FEE="3000"
    ) as shop:
        _staff_adds_books(shop, ("얇은 시집 하나", 6_000), ("얇은 시집 둘", 7_000))
        page = await browser.new_page(viewport={"width": 1280, "height": 900})

        # 소년이 온다: ₩15,500, 10 % off, 5 % in points; under ₩15,000 the fee is ₩3,000
        await page.goto(f"{shop}/")
        await page.get_by_test_id("signin-member").fill("points-kim")
        await page.get_by_test_id("signin-submit").click()
        signed_in = page.get_by_test_id("signed-in-as")
        await expect(signed_in).to_have_attribute("data-member", "points-kim")
        await page.get_by_test_id("search-input").fill("소년이 온다")
        await page.get_by_test_id("search-input").press("Enter")
        card = page.get_by_test_id("product-card")
        await expect(card).to_have_count(1)
        await expect(card.get_by_test_id("list-price")).to_have_text("정가 ₩15,500")
        await expect(card.get_by_test_id("sale-price")).to_have_text("₩13,950")
        await expect(card.get_by_test_id("discount-rate")).to_have_text("10%")
        await expect(card.get_by_test_id("points-note")).to_have_text("적립 775원 (5%)")
        await card.get_by_test_id("add-to-basket").click()
        await page.get_by_test_id("basket-link").click()
        await expect(page.get_by_test_id("basket-shipping-fee")).to_have_text("₩3,000")
        await expect(page.get_by_test_id("free-shipping-hint")).to_contain_text("₩1,050 더")
        await page.get_by_test_id("place-order").click()

        # 배송지 변경 before the pickup
        change = await _action(page, "CHANGE_ADDRESS")
        await change.get_by_test_id("change-address").click()
        await change.get_by_test_id("new-address-zip").fill("06236")
        await change.get_by_test_id("change-address-submit").click()
        await expect(page.locator("address")).to_contain_text("(06236)")
        changed = page.get_by_test_id("timeline-entry").filter(has_text="배송지가 변경되었습니다")
        await expect(changed).to_have_count(1)
        first = page.url
        await expect(page.get_by_test_id("order-status")).to_have_attribute(
            "data-status", "DELIVERED", timeout=120_000
        )
        await expect(page.get_by_test_id("order-points-to-earn")).to_have_text("775원")

        # the next order: ₩11,700 of books, the fee, 500 of the 775 points earned
        await page.get_by_test_id("catalogue-link").click()
        await page.get_by_test_id("search-input").fill("얇은 시집")
        await page.get_by_test_id("search-input").press("Enter")
        await expect(page.get_by_test_id("product-card")).to_have_count(2)
        for add in await page.get_by_test_id("add-to-basket").all():
            await add.click()
        await page.get_by_test_id("basket-link").click()
        await expect(page.get_by_test_id("basket-subtotal")).to_have_text("₩11,700")
        await expect(page.get_by_test_id("basket-shipping-fee")).to_have_text("₩3,000")
        await expect(page.get_by_test_id("free-shipping-hint")).to_contain_text("₩3,300 더")
        await expect(page.get_by_test_id("points-balance")).to_have_text("보유 775원")
        await page.get_by_test_id("points-input").fill("500")
        await expect(page.get_by_test_id("basket-charge")).to_have_text("₩14,200")
        await page.get_by_test_id("place-order").click()
        await expect(page.get_by_test_id("order-points-used")).to_have_text("-500원")
        await expect(page.get_by_test_id("order-amount-charged")).to_have_text("₩14,200")

        # 부분취소 of one line, confirmed
        lines = await _action(page, "CANCEL_LINES")
        second = lines.get_by_test_id("cancel-line-row").filter(has_text="얇은 시집 둘")
        await second.get_by_test_id("cancel-line").click()
        async with _keyed(page, "cancelOrderLines"):
            await second.get_by_test_id("cancel-line-confirm").click()
        await expect(page.get_by_test_id("order-line")).to_have_count(1)
        await expect(page.get_by_test_id("order-subtotal")).to_have_text("₩5,400")
        await expect(page.get_by_test_id("order-amount-charged")).to_have_text("₩7,900")
        timeline = page.get_by_test_id("timeline-entry")
        await expect(timeline.filter(has_text="일부가 취소되었습니다")).to_have_count(1)
        refunded = timeline.and_(page.locator('[data-kind="PAYMENT_PARTIALLY_REFUNDED"]'))
        await expect(refunded).to_have_count(1)
        await _screenshot_in_korean(page, tmp_path / "cancelled-line.png")

        await page.goto(first)
        await expect(page.get_by_test_id("order-status")).to_have_attribute(
            "data-status", "DELIVERED"
        )
        await _screenshot_in_korean(page, tmp_path / "delivered.png")

        # 반품 of the delivered book, damaged: the page follows the return's steps
        returning = await _action(page, "RETURN")
        await expect(returning.get_by_test_id("action-until")).to_contain_text("까지 신청")
        await returning.get_by_test_id("request-return").click()
        await returning.get_by_test_id("return-line-quantity").select_option("1")
        await returning.get_by_test_id("return-reason-DAMAGED").check()
        async with _keyed(page, "requestReturn"):
            await returning.get_by_test_id("request-return-submit").click()
        timeline = page.get_by_test_id("timeline-entry")
        await expect(timeline.filter(has_text="반품을 신청하셨습니다")).to_have_count(1)
        returned = page.locator('[data-testid="action"][data-action="RETURN"]')
        await expect(returned).to_have_attribute("data-available", "false")
        collecting = timeline.filter(has_text="반품 회수를 접수했습니다")
        await expect(collecting).to_have_count(1)
        back = page.get_by_test_id("return-entry")
        await expect(back).to_contain_text("파손 또는 오배송")
        await expect(back).to_have_attribute(
            "data-status", re.compile("COLLECTING|PICKED_UP|RECEIVED")
        )
        await _screenshot_in_korean(page, tmp_path / "returning.png")
