"""An order's money over the API: sale prices under 도서정가제, the shipping fee below the
threshold, the card's amount, the points to earn, and each line's snapshot; the pipeline charges
the card what the order shows."""

from __future__ import annotations

from httpx import AsyncClient

from bootstrap import Services
from resolvers.common.ids import order_key
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import order_input, settled
from tests.support.pipeline import Pipeline

PLACE = """
mutation ($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order {
      id total { amount } subtotal { amount } shippingFee { amount } pointsUsed
      amountCharged { amount } pointsToEarn
      items { quantity listPrice { amount } unitPrice { amount } discountRate pointsRate points }
    }
    errors { code field message }
  }
}
"""
READ = """
query ($id: ID!) {
  order(id: $id) {
    status shippingFee { amount } amountCharged { amount } payment { amount { amount } }
  }
}
"""


async def test_an_order_under_the_threshold_pays_the_fee_and_the_card_is_charged_it(
    client: AsyncClient, services: Services, pipeline: Pipeline
) -> None:
    book = await create_product(services.engine, price=13_999, discount_rate=1000, points_rate=500)
    token = token_for(services.settings.effective_jwt_secret, random_member_id())
    await pipeline.start()

    body = await graphql(client, PLACE, {"input": order_input([(book, 1)])}, token=token)

    placed = body["data"]["placeOrder"]
    assert placed["errors"] == []
    order = placed["order"]
    assert {k: v for k, v in order.items() if k not in ("id", "items")} == {
        "total": {"amount": 12_600 + 2_500},
        "subtotal": {"amount": 12_600},
        "shippingFee": {"amount": 2_500},
        "pointsUsed": 0,
        "amountCharged": {"amount": 15_100},
        "pointsToEarn": 699,
    }
    assert order["items"] == [
        {
            "quantity": 1,
            "listPrice": {"amount": 13_999},
            "unitPrice": {"amount": 12_600},
            "discountRate": 1000,
            "pointsRate": 500,
            "points": 699,
        }
    ]
    await settled(services, order_key(order["id"]))
    read = await graphql(client, READ, {"id": order["id"]}, token=token)
    assert read["data"]["order"] == {
        "status": "PREPARING",
        "shippingFee": {"amount": 2_500},
        "amountCharged": {"amount": 15_100},
        "payment": {"amount": {"amount": 15_100}},
    }


async def test_an_order_beyond_the_largest_amount_is_refused_and_nothing_is_written(
    client: AsyncClient, services: Services
) -> None:
    """Three lines of 99 books at the largest list price come to ₩2,970,000,000, beyond what an
    amount of the API (a GraphQL Int) or of the database holds: refused with its reason, on
    both placers (with points and without), where it answered INTERNAL."""
    member = random_member_id()
    token = token_for(services.settings.effective_jwt_secret, member)
    books = [
        await create_product(services.engine, price=10_000_000, available=1_000) for _ in range(3)
    ]
    lines = [(book, 99) for book in books]

    without_points = await graphql(client, PLACE, {"input": order_input(lines)}, token=token)
    with_points = await graphql(
        client, PLACE, {"input": {**order_input(lines), "points": 1}}, token=token
    )
    at_the_limit = await graphql(
        client, PLACE, {"input": order_input([(books[0], 99), (books[1], 1)])}, token=token
    )

    for body in (without_points, with_points):
        [error] = body["data"]["placeOrder"]["errors"]
        assert (error["code"], error["field"]) == ("INVALID_INPUT", ["input", "items"])
        assert "2,970,000,000" in error["message"]
    assert at_the_limit["data"]["placeOrder"]["errors"] == []
    assert at_the_limit["data"]["placeOrder"]["order"]["total"] == {"amount": 1_000_000_000}
