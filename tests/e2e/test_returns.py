"""반품 end to end on the real services: the return parcel is registered, picked up and brought
back by the simulated carrier; then the stock comes back, the card is refunded (less the return
fee on a change of mind, in full for a damaged book) and the points earned on the returned copies
are taken back. A return asked for after the return period is refused with its last day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from bootstrap import Services
from domain.actions import ReturnPolicy
from domain.catalogue import StockLevel
from domain.moments import SEOUL
from domain.status import OrderStatus
from infrastructure.carrier.cj_scans import SCANS, delivery_branch
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import ADDRESS, place_ok, read_order, stock_level
from tests.support.pipeline import Pipeline
from tests.support.statuses import order_at
from tests.support.waiting import eventually

RETURN = """
mutation ($id: ID!, $lines: [OrderLineInput!]!, $reason: ReturnReason!) {
  requestReturn(id: $id, lines: $lines, reason: $reason) {
    order { status } errors { code field message }
  }
}
"""
READ = """
query ($id: ID!) {
  order(id: $id) {
    items { quantity product { id } }
    history { status message }
    timeline { kind occurredAt message place scan }
    availableActions { action available reasonCode }
    returns { number reason status trackingNumber lines { quantity product { id } } }
  }
}
"""
PRICE = 20_000
POINTS = 1_000
"""5 % of the list price: what a copy earns once delivered."""


class Shop:
    def __init__(self, client: AsyncClient, services: Services) -> None:
        self.client = client
        self.services = services
        self.member = random_member_id()
        self.token = token_for(services.settings.effective_jwt_secret, self.member)

    async def books(self) -> tuple[int, int]:
        return (
            await create_product(self.services.engine, price=PRICE, points_rate=500),
            await create_product(self.services.engine, price=PRICE, points_rate=500),
        )

    async def delivered(self, lines: list[tuple[int, int]]) -> uuid.UUID:
        """An order of these lines (₩40,000: it ships free), delivered, its points earned."""
        order_id = await place_ok(self.client, self.token, lines)
        await eventually(
            lambda: read_order(self.services, order_id),
            lambda order: order.status is OrderStatus.DELIVERED,
            what="delivered",
        )
        return order_id

    async def request(
        self, order_id: uuid.UUID, lines: list[tuple[int, int]], reason: str
    ) -> dict[str, Any]:
        body = await graphql(
            self.client,
            RETURN,
            {
                "id": to_global_id("Order", order_id),
                "lines": [
                    {"productId": to_global_id("Product", p), "quantity": q} for p, q in lines
                ],
                "reason": reason,
            },
            token=self.token,
        )
        payload: dict[str, Any] = body["data"]["requestReturn"]
        return payload

    async def refunded(self, order_id: uuid.UUID) -> int:
        [payment] = await self.services.store.payments_by_order_ids([order_id])
        return payment.refunded

    async def points(self) -> int:
        return (await self.services.store.points_balances([self.member]))[self.member]

    async def read(self, order_id: uuid.UUID) -> dict[str, Any]:
        body = await graphql(
            self.client, READ, {"id": to_global_id("Order", order_id)}, token=self.token
        )
        order: dict[str, Any] = body["data"]["order"]
        return order


@pytest.fixture
def shop(client: AsyncClient, services: Services) -> Shop:
    return Shop(client, services)


async def test_a_change_of_mind_return_of_one_line_refunds_it_less_the_fee_with_stock_and_points(
    shop: Shop, services: Services, pipeline: Pipeline
) -> None:
    await pipeline.start()
    kept, returned = await shop.books()
    order_id = await shop.delivered([(kept, 1), (returned, 1)])
    await eventually(shop.points, lambda points: points == 2 * POINTS, what="points earned")
    stock_before = await stock_level(services, returned)

    asked = await shop.request(order_id, [(returned, 1)], "CHANGE_OF_MIND")

    assert asked["errors"] == []
    fee = services.settings.return_fee
    await eventually(
        lambda: shop.refunded(order_id), lambda won: won == PRICE - fee, what="the refund"
    )
    await eventually(
        lambda: stock_level(services, returned),
        lambda level: (
            level
            == StockLevel(available=stock_before.available + 1, reserved=stock_before.reserved)
        ),
        what="the copy back on the shelf",
    )
    assert await shop.points() == POINTS
    order = await shop.read(order_id)
    assert order["items"] == [{"quantity": 1, "product": {"id": to_global_id("Product", kept)}}]
    [kept_return] = order["returns"]
    assert kept_return["trackingNumber"]
    assert {k: v for k, v in kept_return.items() if k != "trackingNumber"} == {
        "number": 1,
        "reason": "CHANGE_OF_MIND",
        "status": "RECEIVED",
        "lines": [{"quantity": 1, "product": {"id": to_global_id("Product", returned)}}],
    }
    timeline = order["timeline"]
    assert [datetime.fromisoformat(e["occurredAt"]) for e in timeline] == sorted(
        datetime.fromisoformat(e["occurredAt"]) for e in timeline
    )
    notes = [e["message"] for e in timeline if e["kind"] == "ORDER_CHANGED"]
    assert notes == [
        "반품을 신청하셨습니다.",
        "택배사에 반품 회수를 접수했습니다.",
        "택배사가 반품 상품을 회수했습니다.",
        "반품 상품이 도착하여 환불했습니다.",
    ]
    fetched = [(e["scan"], e["place"]) for e in order["timeline"] if e["kind"] == "RETURN_SCAN"]
    assert fetched == [
        (scan.name, scan.location(ADDRESS["zipCode"], returning=True)) for scan in SCANS
    ]
    assert fetched[0][1] == delivery_branch(ADDRESS["zipCode"])  # picked up at the customer's
    [received] = [e["message"] for e in order["history"] if "return received" in e["message"]]
    assert f"back ₩{PRICE - fee:,} to the card" in received
    assert f"{POINTS:,} points earned taken back" in received
    assert "결제 금액 중 17,500원이 부분 환불되었습니다." in [
        e["message"] for e in order["timeline"]
    ]


async def test_a_damaged_book_is_refunded_in_full(
    shop: Shop, services: Services, pipeline: Pipeline
) -> None:
    await pipeline.start()
    kept, returned = await shop.books()
    order_id = await shop.delivered([(kept, 1), (returned, 1)])

    asked = await shop.request(order_id, [(returned, 1)], "DAMAGED")

    assert asked["errors"] == []
    await eventually(lambda: shop.refunded(order_id), lambda won: won == PRICE, what="refund")


async def test_a_return_on_day_8_is_refused_with_the_date_in_the_reason(
    shop: Shop, client: AsyncClient, services: Services
) -> None:
    book, _ = await shop.books()
    delivered_at = datetime.now(UTC) - timedelta(days=8)
    order_id = await order_at(
        client, services, shop.token, [(book, 1)], OrderStatus.DELIVERED, delivered_at=delivered_at
    )

    refused = await shop.request(order_id, [(book, 1)], "CHANGE_OF_MIND")

    last_day = ReturnPolicy().last_day(delivered_at)
    assert last_day == delivered_at.astimezone(SEOUL).date() + timedelta(days=7)
    assert refused == {
        "order": None,
        "errors": [
            {
                "code": "INVALID_STATE",
                "field": ["id"],
                "message": f"the return period ended on {last_day.isoformat()} "
                "(7 days from delivery, Asia/Seoul)",
            }
        ],
    }


async def test_more_copies_than_are_left_to_return_are_refused(
    shop: Shop, client: AsyncClient, services: Services
) -> None:
    book, other = await shop.books()
    order_id = await order_at(client, services, shop.token, [(book, 2)], OrderStatus.DELIVERED)
    assert (await shop.request(order_id, [(book, 1)], "DAMAGED"))["errors"] == []

    refused = await shop.request(order_id, [(book, 2), (other, 1)], "DAMAGED")

    assert refused["errors"] == [
        {
            "code": "INVALID_STATE",
            "field": ["lines", "0", "quantity"],
            "message": "1 of this book can be returned now, not 2",
        },
        {
            "code": "NOT_FOUND",
            "field": ["lines", "1", "productId"],
            "message": "the order has no line for this book",
        },
    ]
    assert (await shop.request(order_id, [(book, 1)], "DAMAGED"))["errors"] == []
    order = await shop.read(order_id)
    [returning] = [a for a in order["availableActions"] if a["action"] == "RETURN"]
    assert returning == {"action": "RETURN", "available": False, "reasonCode": "NOTHING_TO_RETURN"}


async def test_a_damaged_last_book_after_a_change_of_mind_keeps_that_returns_fee(
    shop: Shop, services: Services, pipeline: Pipeline
) -> None:
    """The order's fee holds the first return's parcel fee; the last book's return, damaged,
    gives back the outbound fee (none here: it shipped free) but not that fee."""
    await pipeline.start()
    first, last = await shop.books()
    order_id = await shop.delivered([(first, 1), (last, 1)])
    fee = services.settings.return_fee

    assert (await shop.request(order_id, [(first, 1)], "CHANGE_OF_MIND"))["errors"] == []
    await eventually(
        lambda: shop.refunded(order_id), lambda won: won == PRICE - fee, what="the first refund"
    )
    assert (await shop.request(order_id, [(last, 1)], "DAMAGED"))["errors"] == []
    await eventually(
        lambda: shop.refunded(order_id),
        lambda won: won == 2 * PRICE - fee,
        what="the second refund",
    )
    await pipeline.stop()

    assert await shop.refunded(order_id) == 2 * PRICE - fee
    order = await read_order(services, order_id)
    assert (order.total.amount, order.shipping_fee) == (fee, fee)
