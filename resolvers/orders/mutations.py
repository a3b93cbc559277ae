"""Placing and cancelling orders: build the command, call the use case, answer the order. A
refusal is raised as `Refused`; the schema answers it as the payload's errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from domain.commands import CancelOrder, OrderLine, PlaceOrder
from domain.order import Address, Order
from domain.ordering import cancel_order, place_order
from domain.problems import Problem, ProblemCode, Refused
from resolvers.common.context import Context
from resolvers.common.errors import ApiError, invalid_field
from resolvers.common.ids import order_key, product_key


def _decoded_lines(lines: Sequence[tuple[str, int]]) -> tuple[OrderLine, ...]:
    decoded, problems = [], []
    for i, (product_id, quantity) in enumerate(lines):
        try:
            decoded.append(OrderLine(product_key(product_id), quantity))
        except ApiError as exc:
            problems.append(
                Problem(ProblemCode.INVALID_INPUT, exc.message, ("items", str(i), "productId"))
            )
    if problems:
        raise Refused(problems)
    return tuple(decoded)


async def resolve_place_order(
    context: Context,
    lines: Sequence[tuple[str, int]],
    address: Address,
    payment_token: str | None,
    idempotency_key: str | None,
) -> Order:
    """`lines` are (product id, quantity) pairs as the client sent them."""
    command = PlaceOrder(
        viewer=context.require_viewer(),
        lines=_decoded_lines(lines),
        address=address,
        payment_token=payment_token,
        idempotency_key=idempotency_key,
    )
    order = await place_order(command, context.orders, datetime.now(UTC))
    context.loaders.order.prime(order.id, order)
    return order


async def resolve_cancel_order(context: Context, order_id: str, reason: str | None) -> Order:
    viewer = context.require_viewer()
    try:
        key = order_key(order_id)
    except ApiError as exc:
        raise invalid_field(("id",), exc.message) from exc
    return await cancel_order(CancelOrder(viewer, key, reason), context.uow)
