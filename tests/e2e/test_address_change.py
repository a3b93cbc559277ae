"""배송지 변경 end to end: before pickup the new address reaches the carrier (through the outbox
and the delivery worker); after pickup it is refused; a parcel the carrier picked up before it
heard of the change marks the order for an operator."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from bootstrap import Services
from domain.status import OrderStatus
from infrastructure.database.tables import simulated_parcel_table
from infrastructure.database.types import utc_now
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import attention, place_ok, read_order, settled
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually

CHANGE = """
mutation ($id: ID!, $address: AddressInput!) {
  changeDeliveryAddress(id: $id, address: $address) {
    order { status shippingAddress { recipient zipCode line1 } }
    errors { code field message }
  }
}
"""
READ = """
query ($id: ID!) {
  order(id: $id) {
    shippingAddress { zipCode }
    history { status message }
    delivery { events { status location } }
  }
}
"""
BUSAN = {
    "recipient": "이서연",
    "phone": "010-9876-5432",
    "zipCode": "48058",
    "line1": "부산광역시 해운대구 센텀중앙로 79",
    "line2": None,
}


@pytest.fixture
def customer(services: Services) -> str:
    return token_for(services.settings.effective_jwt_secret, random_member_id())


async def _change(client: AsyncClient, token: str, order_id: uuid.UUID) -> dict[str, Any]:
    body = await graphql(
        client, CHANGE, {"id": to_global_id("Order", order_id), "address": BUSAN}, token=token
    )
    payload: dict[str, Any] = body["data"]["changeDeliveryAddress"]
    return payload


async def _parcel_zip(services: Services, order_id: uuid.UUID) -> str:
    async with services.engine.connect() as conn:
        found = await conn.execute(
            select(simulated_parcel_table.c.zip_code).where(
                simulated_parcel_table.c.reference == str(order_id)
            )
        )
    return str(found.scalar_one())


async def _registered(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> uuid.UUID:
    """An order PREPARING, its parcel registered, the carrier's clock stopped."""
    await pipeline.start(carrier=False)
    book = await create_product(services.engine, available=5)
    order_id = await place_ok(client, customer, [(book, 1)])
    assert (await settled(services, order_id)).status is OrderStatus.PREPARING
    assert await _parcel_zip(services, order_id) == "04524"
    return order_id


async def test_a_change_before_pickup_reaches_the_carrier(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    order_id = await _registered(client, services, pipeline, customer)

    changed = await _change(client, customer, order_id)

    assert changed["errors"] == []
    assert changed["order"]["shippingAddress"] == {
        "recipient": "이서연",
        "zipCode": "48058",
        "line1": "부산광역시 해운대구 센텀중앙로 79",
    }
    await eventually(
        lambda: _parcel_zip(services, order_id), lambda z: z == "48058", what="carrier told"
    )
    read = await eventually(
        lambda: graphql(client, READ, {"id": to_global_id("Order", order_id)}, token=customer),
        lambda body: (
            "address changed with the carrier: (48058)"
            in [e["location"] for e in body["data"]["order"]["delivery"]["events"]]
        ),
        what="the parcel's tracking says so",
    )
    history = read["data"]["order"]["history"]
    assert history[-1]["status"] == "PREPARING"
    assert history[-1]["message"].startswith("delivery address changed: 이서연, (48058)")
    assert await attention(services, order_id) is None


async def test_a_change_after_pickup_is_refused(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    await pipeline.start()
    book = await create_product(services.engine, available=5)
    order_id = await place_ok(client, customer, [(book, 1)])
    await eventually(
        lambda: read_order(services, order_id),
        lambda order: order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
        what="picked up",
    )
    status = (await read_order(services, order_id)).status

    refused = await _change(client, customer, order_id)

    assert refused["order"] is None
    assert refused["errors"] == [
        {
            "code": "INVALID_STATE",
            "field": ["id"],
            "message": f"the order is {status.value} and its address can no longer change: "
            "the parcel has been picked up",
        }
    ]
    assert (await read_order(services, order_id)).shipping_address.zip_code == "04524"


async def test_a_parcel_picked_up_before_the_carrier_heard_marks_the_order_for_an_operator(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    order_id = await _registered(client, services, pipeline, customer)
    await services.carrier.advance(utc_now() + timedelta(hours=1))  # scanned, not reported

    changed = await _change(client, customer, order_id)

    assert changed["errors"] == []
    note = await eventually(
        lambda: attention(services, order_id), lambda n: n is not None, what="marked"
    )
    assert note is not None
    assert "before it learned the new address (48058" in note
    assert await _parcel_zip(services, order_id) == "04524"
