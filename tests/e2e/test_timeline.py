"""`Order.timeline` end to end: the order's history, its payment's events (approved, partially
refunded, refunded) and every scan the carrier reported, in time order, worded in Korean."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient

from bootstrap import Services
from domain.status import OrderStatus, PaymentStatus
from infrastructure.carrier.cj_scans import SCANS, delivery_branch
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.orders import ADDRESS, place_ok, read_order, settled
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually

TIMELINE = """
query ($id: ID!) {
  order(id: $id) {
    status
    timeline { kind occurredAt message place status scan }
    delivery { events { scan } }
  }
}
"""
CANCEL_LINES = """
mutation ($id: ID!, $lines: [OrderLineInput!]!) {
  cancelOrderLines(id: $id, lines: $lines) { errors { code message } }
}
"""
CANCEL = "mutation ($id: ID!) { cancelOrder(id: $id) { errors { code message } } }"


@pytest.fixture
def customer(services: Services) -> str:
    return token_for(services.settings.effective_jwt_secret, random_member_id())


async def _timeline(client: AsyncClient, token: str, order_id: uuid.UUID) -> dict[str, Any]:
    body = await graphql(client, TIMELINE, {"id": to_global_id("Order", order_id)}, token=token)
    assert "errors" not in body, body
    order: dict[str, Any] = body["data"]["order"]
    return order


async def _preparing(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str, *, copies: int
) -> tuple[int, uuid.UUID]:
    """A book at ₩20,000 and an order of it, PREPARING, the carrier's clock stopped."""
    await pipeline.start(carrier=False)
    book = await create_product(services.engine, price=20_000, available=5)
    order_id = await place_ok(client, customer, [(book, copies)])
    assert (await settled(services, order_id)).status is OrderStatus.PREPARING
    return book, order_id


def _in_time_order(entries: list[dict[str, Any]]) -> bool:
    times = [datetime.fromisoformat(e["occurredAt"]) for e in entries]
    return times == sorted(times)


async def test_the_timeline_is_in_time_order_and_holds_every_scan(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    book, order_id = await _preparing(client, services, pipeline, customer, copies=2)
    lines = [{"productId": to_global_id("Product", book), "quantity": 1}]
    cancelled = await graphql(
        client,
        CANCEL_LINES,
        {"id": to_global_id("Order", order_id), "lines": lines},
        token=customer,
    )
    assert cancelled["data"]["cancelOrderLines"]["errors"] == []
    await eventually(
        lambda: services.store.payments_by_order_ids([order_id]),
        lambda payments: payments[0].refunded == 20_000,
        what="the part refunded",
    )
    await pipeline.stop()
    await pipeline.start()  # the carrier's clock too, now
    await eventually(
        lambda: _timeline(client, customer, order_id),
        lambda order: len(order["delivery"]["events"]) == 1 + len(SCANS),
        what="every scan reported",
    )

    order = await _timeline(client, customer, order_id)

    entries = order["timeline"]
    assert _in_time_order(entries)
    scans = [e for e in entries if e["kind"] == "PARCEL_SCAN"]
    assert [(e["scan"], e["place"]) for e in scans] == [
        (scan.name, scan.location(ADDRESS["zipCode"])) for scan in SCANS
    ]
    assert scans[-1]["message"] == "[배달완료] 배달을 완료했습니다."
    assert scans[-1]["place"] == delivery_branch(ADDRESS["zipCode"])
    kinds = [e["kind"] for e in entries]
    assert kinds.count("PAYMENT_APPROVED") == 1
    assert {
        "message": "결제 40,000원이 승인되었습니다.",
        "kind": "PAYMENT_APPROVED",
    }.items() <= next(e for e in entries if e["kind"] == "PAYMENT_APPROVED").items()
    [part] = [e for e in entries if e["kind"] == "PAYMENT_PARTIALLY_REFUNDED"]
    assert part["message"] == "결제 금액 중 20,000원이 부분 환불되었습니다."
    [changed] = [e for e in entries if e["kind"] == "ORDER_CHANGED"]
    assert (changed["status"], changed["message"]) == (
        "PREPARING",
        "주문하신 상품 중 일부가 취소되었습니다.",
    )
    statuses = [e["status"] for e in entries if e["kind"] == "ORDER_STATUS"]
    assert statuses == [
        "PENDING",
        "STOCK_RESERVED",
        "PAID",
        "PREPARING",
        "SHIPPED",
        "DELIVERED",
    ]
    assert [e["message"] for e in entries if e["kind"] == "PARCEL_UPDATE"] == [
        "택배사에 배송을 접수했습니다."
    ]
    assert entries[0]["message"] == "주문이 접수되었습니다."
    assert all(e["place"] is None for e in entries if e["kind"] != "PARCEL_SCAN")


async def test_a_cancelled_order_shows_its_refund_and_why(
    client: AsyncClient, services: Services, pipeline: Pipeline, customer: str
) -> None:
    _, order_id = await _preparing(client, services, pipeline, customer, copies=1)

    await graphql(client, CANCEL, {"id": to_global_id("Order", order_id)}, token=customer)

    await eventually(
        lambda: services.store.payments_by_order_ids([order_id]),
        lambda payments: payments[0].status is PaymentStatus.REFUNDED,
        what="the refund",
    )
    assert (await read_order(services, order_id)).status is OrderStatus.CANCELLED
    order = await eventually(
        lambda: _timeline(client, customer, order_id),
        lambda order: "택배 접수를 취소했습니다." in [e["message"] for e in order["timeline"]],
        what="the parcel cancelled",
    )
    entries = order["timeline"]
    assert _in_time_order(entries)
    said = [(e["kind"], e["message"]) for e in entries]
    assert ("ORDER_STATUS", "고객님의 요청으로 주문이 취소되었습니다.") in said
    assert ("PAYMENT_REFUNDED", "20,000원이 환불되었습니다.") in said
    assert said.index(("PAYMENT_APPROVED", "결제 20,000원이 승인되었습니다.")) < said.index(
        ("PAYMENT_REFUNDED", "20,000원이 환불되었습니다.")
    )
