"""The orders feature's root fields: an order, its changes as they happen, placing and
cancelling (whole, or some copies: 부분취소). (`orders(first, after, filter)` is
`schema.orders.types.order_connection`, shared by `Query` and `Member`.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import strawberry
from strawberry.types import Info

from resolvers.common.context import Context
from resolvers.orders.mutations import (
    resolve_cancel_order,
    resolve_cancel_order_lines,
    resolve_place_order,
)
from resolvers.orders.reads import get_order
from resolvers.orders.subscriptions import order_status_changes
from schema.orders.inputs import (
    CancelOrderLinesPayload,
    CancelOrderPayload,
    OrderLineInput,
    PlaceOrderInput,
    PlaceOrderPayload,
)
from schema.orders.types import OrderType, order_preloads


async def order(info: Info[Context, None], id: strawberry.ID) -> OrderType | None:
    found = await get_order(info.context, id, order_preloads(info, "*"))
    return OrderType.from_domain(found) if found is not None else None


async def order_status_changed(
    info: Info[Context, None], order_id: strawberry.ID
) -> AsyncIterator[OrderType]:
    async for changed, history in order_status_changes(info.context, order_id):
        yield OrderType.from_domain(changed).as_of(history)


async def place_order(info: Info[Context, None], input: PlaceOrderInput) -> PlaceOrderPayload:
    placed = await resolve_place_order(
        info.context,
        OrderLineInput.pairs(input.items),
        input.shipping_address.to_domain(),
        input.payment.token if input.payment else None,
        input.idempotency_key,
        input.points,
    )
    return PlaceOrderPayload(order=OrderType.from_domain(placed))


async def cancel_order(
    info: Info[Context, None], id: strawberry.ID, reason: str | None = None
) -> CancelOrderPayload:
    cancelled = await resolve_cancel_order(info.context, id, reason)
    return CancelOrderPayload(order=OrderType.from_domain(cancelled))


async def cancel_order_lines(
    info: Info[Context, None],
    id: strawberry.ID,
    lines: list[OrderLineInput],
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> CancelOrderLinesPayload:
    after = await resolve_cancel_order_lines(
        info.context,
        id,
        OrderLineInput.pairs(lines),
        reason,
        idempotency_key,
    )
    return CancelOrderLinesPayload(order=OrderType.from_domain(after))
