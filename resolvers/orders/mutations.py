"""Placing and cancelling orders, whole or some of their copies: build the command, call the use
case, answer the order. A refusal is raised as `Refused`; the schema answers it as the payload's
errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from domain.commands import CancelOrder, CancelOrderLines, OrderLine, PlaceOrder, RequestReturn
from domain.member import Viewer
from domain.order import Address, Order
from domain.order_return import ReturnReason
from domain.ordering import cancel_order, place_order
from domain.partial_cancellation import cancel_order_lines
from domain.problems import Problem, ProblemCode, Refused
from domain.returns import request_return
from resolvers.common.context import Context
from resolvers.common.errors import ApiError, invalid_field
from resolvers.common.ids import order_key, product_key


def _decoded_lines(lines: Sequence[tuple[str, int]], field: str = "items") -> tuple[OrderLine, ...]:
    decoded, problems = [], []
    for i, (product_id, quantity) in enumerate(lines):
        try:
            decoded.append(OrderLine(product_key(product_id), quantity))
        except ApiError as exc:
            problems.append(
                Problem(ProblemCode.INVALID_INPUT, exc.message, (field, str(i), "productId"))
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
    points: int = 0,
) -> Order:
    """`lines` are (product id, quantity) pairs as the client sent them."""
    command = PlaceOrder(
        viewer=context.require_viewer(),
        lines=_decoded_lines(lines),
        address=address,
        payment_token=payment_token,
        idempotency_key=idempotency_key,
        points=points,
    )
    order = await place_order(command, context.orders, datetime.now(UTC))
    context.loaders.order.prime(order.id, order)
    return order


def input_order_key(order_id: str) -> UUID:
    """The order a mutation's `id` names; INVALID_INPUT on `id` when it names none."""
    try:
        return order_key(order_id)
    except ApiError as exc:
        raise invalid_field(("id",), exc.message) from exc


async def resolve_cancel_order(context: Context, order_id: str, reason: str | None) -> Order:
    viewer = context.require_viewer()
    return await cancel_order(CancelOrder(viewer, input_order_key(order_id), reason), context.uow)


def _copies_asked(
    context: Context, order_id: str, lines: Sequence[tuple[str, int]]
) -> tuple[Viewer, UUID, tuple[OrderLine, ...]]:
    """Who asks, for which order, and which copies of it (cancelOrderLines, requestReturn)."""
    return context.require_viewer(), input_order_key(order_id), _decoded_lines(lines, "lines")


async def resolve_cancel_order_lines(
    context: Context,
    order_id: str,
    lines: Sequence[tuple[str, int]],
    reason: str | None,
    idempotency_key: str | None = None,
) -> Order:
    """`lines` are (product id, copies to cancel) pairs as the client sent them."""
    viewer, key, copies = _copies_asked(context, order_id, lines)
    command = CancelOrderLines(viewer, key, copies, reason, idempotency_key)
    return await cancel_order_lines(command, context.uow, context.shipping)


async def resolve_request_return(
    context: Context,
    order_id: str,
    lines: Sequence[tuple[str, int]],
    reason: ReturnReason,
    idempotency_key: str | None = None,
) -> Order:
    """반품: `lines` are (product id, copies to return) pairs as the client sent them."""
    viewer, key, copies = _copies_asked(context, order_id, lines)
    command = RequestReturn(viewer, key, copies, reason, idempotency_key)
    return await request_return(command, context.uow, context.returns, datetime.now(UTC))
