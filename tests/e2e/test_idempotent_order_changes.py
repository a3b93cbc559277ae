"""Idempotency keys of 부분취소 and 반품 on the real services: a request sent twice with one key
(a double click, a client retrying after a timeout) changes the order once and is answered the
same both times; the key sent with another request is CONFLICT and changes nothing; without a
key, each request is a request of its own, as before."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select

from bootstrap import Services
from domain.messages import Event
from domain.status import OrderStatus
from infrastructure.database.tables import outbox_table
from resolvers.common.ids import to_global_id
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.graphql import graphql
from tests.support.statuses import order_at

ORDER = "order { status total { amount } items { quantity product { id } } returns { number } }"
CANCEL_LINES = f"""
mutation ($id: ID!, $lines: [OrderLineInput!]!, $key: String) {{
  cancelOrderLines(id: $id, lines: $lines, idempotencyKey: $key) {{
    {ORDER} errors {{ code field }}
  }}
}}
"""
RETURN = f"""
mutation ($id: ID!, $lines: [OrderLineInput!]!, $reason: ReturnReason!, $key: String) {{
  requestReturn(id: $id, lines: $lines, reason: $reason, idempotencyKey: $key) {{
    {ORDER} errors {{ code field }}
  }}
}}
"""


class Customer:
    def __init__(self, client: AsyncClient, services: Services) -> None:
        self.client = client
        self.services = services
        self.token = token_for(services.settings.effective_jwt_secret, random_member_id())

    async def order(self, status: OrderStatus) -> tuple[uuid.UUID, int, int]:
        """An order at `status` of two copies of one book and one of another."""
        book = await create_product(self.services.engine, price=10_000, available=5)
        other = await create_product(self.services.engine, price=10_000, available=5)
        order_id = await order_at(
            self.client, self.services, self.token, [(book, 2), (other, 1)], status
        )
        return order_id, book, other

    async def cancel(
        self, order_id: uuid.UUID, book: int, key: str | None = None
    ) -> dict[str, Any]:
        return await self._send(CANCEL_LINES, "cancelOrderLines", order_id, book, key)

    async def give_back(
        self, order_id: uuid.UUID, book: int, key: str | None = None, reason: str = "DAMAGED"
    ) -> dict[str, Any]:
        return await self._send(RETURN, "requestReturn", order_id, book, key, reason=reason)

    async def _send(
        self,
        mutation: str,
        name: str,
        order_id: uuid.UUID,
        book: int,
        key: str | None,
        **more: str,
    ) -> dict[str, Any]:
        """Ask for one copy of the book, with the key when given."""
        variables = {
            "id": to_global_id("Order", order_id),
            "lines": [{"productId": to_global_id("Product", book), "quantity": 1}],
            "key": key,
            **more,
        }
        body = await graphql(self.client, mutation, variables, token=self.token)
        payload: dict[str, Any] = body["data"][name]
        return payload

    async def sent(self, order_id: uuid.UUID, event: Event) -> int:
        """How many of these messages the order's changes raised."""
        async with self.services.engine.connect() as conn:
            count = await conn.execute(
                select(func.count()).where(
                    outbox_table.c.order_id == order_id, outbox_table.c.routing_key == event.value
                )
            )
        return int(count.scalar_one())


async def _sent_three_times(send: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Send twice at once (a double click), then again (a retry): the same answer each time."""
    at_once = await asyncio.gather(send(), send())
    later = await send()
    assert at_once[0]["errors"] == []
    assert at_once[1] == at_once[0]
    assert later == at_once[0]
    return later


def _copies(payload: dict[str, Any], book: int) -> int:
    return sum(
        item["quantity"]
        for item in payload["order"]["items"]
        if item["product"]["id"] == to_global_id("Product", book)
    )


async def test_a_partial_cancellation_sent_twice_with_one_key_cancels_one_copy(
    client: AsyncClient, services: Services
) -> None:
    customer = Customer(client, services)
    order_id, book, _ = await customer.order(OrderStatus.PREPARING)
    key = str(uuid.uuid4())

    later = await _sent_three_times(lambda: customer.cancel(order_id, book, key))

    assert _copies(later, book) == 1
    assert later["order"]["total"] == {"amount": 20_000}
    assert await customer.sent(order_id, Event.ORDER_LINES_CANCELLED) == 1


async def test_a_cancellation_key_sent_with_another_request_is_a_conflict(
    client: AsyncClient, services: Services
) -> None:
    customer = Customer(client, services)
    order_id, book, other = await customer.order(OrderStatus.PREPARING)
    key = str(uuid.uuid4())
    first = await customer.cancel(order_id, book, key)

    refused = await customer.cancel(order_id, other, key)

    assert refused == {
        "order": None,
        "errors": [{"code": "CONFLICT", "field": ["idempotencyKey"]}],
    }
    assert await customer.cancel(order_id, book, key) == first  # the order unchanged since
    assert await customer.sent(order_id, Event.ORDER_LINES_CANCELLED) == 1


async def test_without_a_key_each_partial_cancellation_cancels_a_copy(
    client: AsyncClient, services: Services
) -> None:
    customer = Customer(client, services)
    order_id, book, _ = await customer.order(OrderStatus.PREPARING)

    first = await customer.cancel(order_id, book)
    second = await customer.cancel(order_id, book)

    assert (first["errors"], second["errors"]) == ([], [])
    assert (_copies(first, book), _copies(second, book)) == (1, 0)
    assert await customer.sent(order_id, Event.ORDER_LINES_CANCELLED) == 2


async def test_a_return_sent_twice_with_one_key_is_asked_for_once(
    client: AsyncClient, services: Services
) -> None:
    customer = Customer(client, services)
    order_id, book, _ = await customer.order(OrderStatus.DELIVERED)
    key = str(uuid.uuid4())

    later = await _sent_three_times(lambda: customer.give_back(order_id, book, key))

    assert later["order"]["returns"] == [{"number": 1}]
    assert await customer.sent(order_id, Event.RETURN_REQUESTED) == 1


async def test_a_return_key_sent_with_another_request_is_a_conflict_and_no_key_is_as_before(
    client: AsyncClient, services: Services
) -> None:
    customer = Customer(client, services)
    order_id, book, _ = await customer.order(OrderStatus.DELIVERED)
    key = str(uuid.uuid4())
    assert (await customer.give_back(order_id, book, key))["errors"] == []

    refused = await customer.give_back(order_id, book, key, reason="CHANGE_OF_MIND")
    without_key = await customer.give_back(order_id, book)

    assert refused == {
        "order": None,
        "errors": [{"code": "CONFLICT", "field": ["idempotencyKey"]}],
    }
    assert without_key["errors"] == []
    assert without_key["order"]["returns"] == [{"number": 1}, {"number": 2}]
    assert await customer.sent(order_id, Event.RETURN_REQUESTED) == 2


async def test_a_key_beyond_255_characters_is_invalid_input_and_changes_nothing(
    client: AsyncClient, services: Services
) -> None:
    customer = Customer(client, services)
    preparing, book, _ = await customer.order(OrderStatus.PREPARING)
    delivered, returned, _ = await customer.order(OrderStatus.DELIVERED)
    key = "k" * 256

    refused = [
        await customer.cancel(preparing, book, key),
        await customer.give_back(delivered, returned, key),
    ]

    invalid = {"order": None, "errors": [{"code": "INVALID_INPUT", "field": ["idempotencyKey"]}]}
    assert refused == [invalid, invalid]
    assert await customer.sent(preparing, Event.ORDER_LINES_CANCELLED) == 0
    assert await customer.sent(delivered, Event.RETURN_REQUESTED) == 0
