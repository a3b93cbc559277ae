"""`Order.availableActions` agrees with what each mutation accepts, in every status of the
table: an action said to be possible is accepted and done; one said not to be is refused with
the very reason it gave (cancelling a cancelled order again is accepted and changes nothing)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from bootstrap import Services
from domain.actions import Action, Hindrance
from domain.moments import SEOUL
from domain.status import OrderStatus
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.statuses import order_at

ACTIONS = """
query ($id: ID!) {
  order(id: $id) {
    status history { status }
    items { quantity }
    shippingAddress { zipCode }
    availableActions { action available reasonCode reason until }
  }
}
"""
CANCEL = """
mutation ($id: ID!) { cancelOrder(id: $id) { order { status } errors { code message } } }
"""
CANCEL_LINES = """
mutation ($id: ID!, $lines: [OrderLineInput!]!) {
  cancelOrderLines(id: $id, lines: $lines) { order { status } errors { code message } }
}
"""
RETURN = """
mutation ($id: ID!, $lines: [OrderLineInput!]!) {
  requestReturn(id: $id, lines: $lines, reason: CHANGE_OF_MIND) {
    order { status } errors { code message }
  }
}
"""
CHANGE_ADDRESS = """
mutation ($id: ID!, $address: AddressInput!) {
  changeDeliveryAddress(id: $id, address: $address) {
    order { shippingAddress { zipCode } } errors { code field message }
  }
}
"""
NEW_ADDRESS = {
    "recipient": "이서연",
    "phone": "010-9876-5432",
    "zipCode": "48058",
    "line1": "부산광역시 해운대구 센텀중앙로 79",
}

_P = Hindrance
EXPECTED: dict[str, dict[Action, Hindrance | None]] = {
    "PENDING": {
        Action.CANCEL: None,
        Action.CANCEL_LINES: _P.NOT_PAID_YET,
        Action.CHANGE_ADDRESS: None,
        Action.RETURN: _P.NOT_DELIVERED,
    },
    "STOCK_RESERVED": {
        Action.CANCEL: None,
        Action.CANCEL_LINES: _P.NOT_PAID_YET,
        Action.CHANGE_ADDRESS: None,
        Action.RETURN: _P.NOT_DELIVERED,
    },
    "PAID": {
        Action.CANCEL: None,
        Action.CANCEL_LINES: None,
        Action.CHANGE_ADDRESS: None,
        Action.RETURN: _P.NOT_DELIVERED,
    },
    "PREPARING": {
        Action.CANCEL: None,
        Action.CANCEL_LINES: None,
        Action.CHANGE_ADDRESS: None,
        Action.RETURN: _P.NOT_DELIVERED,
    },
    "SHIPPED": {
        Action.CANCEL: _P.PICKED_UP,
        Action.CANCEL_LINES: _P.PICKED_UP,
        Action.CHANGE_ADDRESS: _P.PICKED_UP,
        Action.RETURN: _P.NOT_DELIVERED,
    },
    "DELIVERED": {
        Action.CANCEL: _P.PICKED_UP,
        Action.CANCEL_LINES: _P.PICKED_UP,
        Action.CHANGE_ADDRESS: _P.PICKED_UP,
        Action.RETURN: None,
    },
    "DELIVERED 8 days ago": {
        Action.CANCEL: _P.PICKED_UP,
        Action.CANCEL_LINES: _P.PICKED_UP,
        Action.CHANGE_ADDRESS: _P.PICKED_UP,
        Action.RETURN: _P.RETURN_PERIOD_ENDED,
    },
    "CANCELLED": {
        Action.CANCEL: _P.CANCELLED,
        Action.CANCEL_LINES: _P.CANCELLED,
        Action.CHANGE_ADDRESS: _P.CANCELLED,
        Action.RETURN: _P.CANCELLED,
    },
}
"""The status table, read as what a customer may do: every status, and a delivery whose
return period is over."""

EIGHT_DAYS = timedelta(days=8)


class Case:
    def __init__(self, client: AsyncClient, services: Services, label: str) -> None:
        self.client = client
        self.services = services
        self.label = label
        self.status = OrderStatus(label.split()[0])
        self.member = random_member_id()
        self.token = token_for(services.settings.effective_jwt_secret, self.member)
        self.book = 0

    async def new_order(self) -> uuid.UUID:
        if not self.book:
            self.book = await create_product(self.services.engine, available=50)
        delivered_at = datetime.now(UTC) - EIGHT_DAYS if "8 days" in self.label else None
        return await order_at(
            self.client,
            self.services,
            self.token,
            [(self.book, 2)],
            self.status,
            delivered_at=delivered_at,
        )

    async def read(self, order_id: uuid.UUID) -> dict[str, Any]:
        body = await graphql(
            self.client, ACTIONS, {"id": to_global_id("Order", order_id)}, token=self.token
        )
        order: dict[str, Any] = body["data"]["order"]
        return order

    async def cancel(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        body = await graphql(
            self.client, CANCEL, {"id": to_global_id("Order", order_id)}, token=self.token
        )
        errors: list[dict[str, Any]] = body["data"]["cancelOrder"]["errors"]
        return errors

    async def cancel_lines(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        body = await graphql(
            self.client,
            CANCEL_LINES,
            {
                "id": to_global_id("Order", order_id),
                "lines": [{"productId": to_global_id("Product", self.book), "quantity": 1}],
            },
            token=self.token,
        )
        errors: list[dict[str, Any]] = body["data"]["cancelOrderLines"]["errors"]
        return errors

    async def return_one(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        body = await graphql(
            self.client,
            RETURN,
            {
                "id": to_global_id("Order", order_id),
                "lines": [{"productId": to_global_id("Product", self.book), "quantity": 1}],
            },
            token=self.token,
        )
        errors: list[dict[str, Any]] = body["data"]["requestReturn"]["errors"]
        return errors

    async def change_address(self, order_id: uuid.UUID) -> list[dict[str, Any]]:
        body = await graphql(
            self.client,
            CHANGE_ADDRESS,
            {"id": to_global_id("Order", order_id), "address": NEW_ADDRESS},
            token=self.token,
        )
        return [
            {k: v for k, v in e.items() if k != "field"}
            for e in body["data"]["changeDeliveryAddress"]["errors"]
        ]


def _done(action: Action, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether the mutation did what it is for."""
    if action is Action.CANCEL:
        return bool(after["status"] == "CANCELLED" and before["status"] != "CANCELLED")
    if action is Action.CANCEL_LINES:
        return bool([i["quantity"] for i in after["items"]] == [1])
    if action is Action.RETURN:  # asked for: the history says so, the lines wait for the books
        return bool(len(after["history"]) == len(before["history"]) + 1)
    return bool(after["shippingAddress"]["zipCode"] == NEW_ADDRESS["zipCode"])


@pytest.mark.parametrize("label", list(EXPECTED))
async def test_available_actions_agree_with_what_each_mutation_accepts(
    client: AsyncClient, services: Services, label: str
) -> None:
    case = Case(client, services, label)
    mutations: dict[Action, Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]] = {
        Action.CANCEL: case.cancel,
        Action.CANCEL_LINES: case.cancel_lines,
        Action.CHANGE_ADDRESS: case.change_address,
        Action.RETURN: case.return_one,
    }
    shown = await case.read(await case.new_order())
    said = {Action(a["action"]): a for a in shown["availableActions"]}
    assert list(said) == list(Action)
    assert {
        action: Hindrance(a["reasonCode"]) if a["reasonCode"] else None
        for action, a in said.items()
    } == EXPECTED[label]

    for action, mutate in mutations.items():
        order_id = await case.new_order()
        before = await case.read(order_id)
        offered = {Action(a["action"]): a for a in before["availableActions"]}[action]
        errors = await mutate(order_id)
        after = await case.read(order_id)
        if offered["available"]:
            assert errors == [], (label, action)
            assert _done(action, before, after), (label, action)
        elif action is Action.CANCEL and case.status is OrderStatus.CANCELLED:
            assert errors == []  # asked again: cancelled, as asked, and nothing more
            assert after == before
        else:
            assert errors == [{"code": "INVALID_STATE", "message": offered["reason"]}]
            assert after == before, (label, action)


async def test_a_delivered_order_may_be_returned_until_the_end_of_its_period(
    client: AsyncClient, services: Services
) -> None:
    token = token_for(services.settings.effective_jwt_secret, random_member_id())
    book = await create_product(services.engine, available=5)
    delivered_at = datetime.now(UTC) - timedelta(days=1)
    order_id = await order_at(
        client, services, token, [(book, 1)], OrderStatus.DELIVERED, delivered_at=delivered_at
    )
    late_id = await order_at(
        client,
        services,
        token,
        [(book, 1)],
        OrderStatus.DELIVERED,
        delivered_at=datetime.now(UTC) - EIGHT_DAYS,
    )

    ours = {"id": to_global_id("Order", order_id)}
    late = {"id": to_global_id("Order", late_id)}
    [returning] = [
        a
        for a in (await graphql(client, ACTIONS, ours, token=token))["data"]["order"][
            "availableActions"
        ]
        if a["action"] == "RETURN"
    ]
    [too_late] = [
        a
        for a in (await graphql(client, ACTIONS, late, token=token))["data"]["order"][
            "availableActions"
        ]
        if a["action"] == "RETURN"
    ]

    last_day = (delivered_at.astimezone(SEOUL) + timedelta(days=7)).date()
    ends = datetime.fromisoformat(returning["until"])
    assert returning["available"] is True
    assert ends.astimezone(SEOUL).date() == last_day + timedelta(days=1)
    assert (ends.astimezone(SEOUL).hour, ends.astimezone(SEOUL).minute) == (0, 0)
    late_day = (datetime.now(UTC) - EIGHT_DAYS).astimezone(SEOUL).date() + timedelta(days=7)
    assert too_late["available"] is False
    assert too_late["reasonCode"] == "RETURN_PERIOD_ENDED"
    assert late_day.isoformat() in too_late["reason"]
