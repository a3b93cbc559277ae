"""Mutation resolvers: build the command, call the use case, map the outcome to a payload."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.catalogue_admin import adjust_stock, create_product
from domain.commands import AdjustStock, CancelOrder, CreateProduct, OrderLine, PlaceOrder
from domain.member import Viewer
from domain.order import Address
from domain.ordering import cancel_order, place_order
from domain.problems import Problem, ProblemCode, Refused
from resolvers.context import Context
from schema.catalogue import ProductType
from schema.errors import ApiError, UserError
from schema.ids import order_key, product_key
from schema.mutations import (
    CancelOrderPayload,
    CreateProductInput,
    PlaceOrderInput,
    PlaceOrderPayload,
    ProductPayload,
)
from schema.orders import OrderType

INPUT = ("input",)


def _viewer(context: Context, *, staff: bool = False) -> Viewer:
    viewer = context.viewer
    if viewer is None:
        raise Refused([Problem(ProblemCode.UNAUTHENTICATED, "sign in: this needs a bearer token")])
    if staff and not viewer.is_staff:
        raise Refused([Problem(ProblemCode.FORBIDDEN, "this needs a staff token")])
    return viewer


def _invalid(field: tuple[str, ...], message: str) -> Refused:
    return Refused([Problem(ProblemCode.INVALID_INPUT, message, field)])


def _errors(refused: Refused, prefix: tuple[str, ...] = ()) -> list[UserError]:
    return [UserError.from_problem(problem, prefix) for problem in refused.problems]


def _decoded_lines(order_input: PlaceOrderInput) -> tuple[OrderLine, ...]:
    lines, problems = [], []
    for i, item in enumerate(order_input.items):
        try:
            lines.append(OrderLine(product_key(item.product_id), item.quantity))
        except ApiError as exc:
            problems.append(
                Problem(ProblemCode.INVALID_INPUT, exc.message, ("items", str(i), "productId"))
            )
    if problems:
        raise Refused(problems)
    return tuple(lines)


async def resolve_place_order(context: Context, order_input: PlaceOrderInput) -> PlaceOrderPayload:
    try:
        viewer = _viewer(context)
        address = order_input.shipping_address
        command = PlaceOrder(
            viewer=viewer,
            lines=_decoded_lines(order_input),
            address=Address(
                recipient=address.recipient,
                phone=address.phone,
                zip_code=address.zip_code,
                line1=address.line1,
                line2=address.line2,
            ),
            payment_token=order_input.payment.token if order_input.payment else None,
            idempotency_key=order_input.idempotency_key,
        )
        order = await place_order(command, context.orders, datetime.now(UTC))
    except Refused as refused:
        return PlaceOrderPayload(order=None, errors=_errors(refused, INPUT))
    context.loaders.order.prime(order.id, order)
    return PlaceOrderPayload(order=OrderType.from_domain(order), errors=[])


async def resolve_cancel_order(
    context: Context, order_id: str, reason: str | None
) -> CancelOrderPayload:
    try:
        viewer = _viewer(context)
        try:
            key = order_key(order_id)
        except ApiError as exc:
            raise _invalid(("id",), exc.message) from exc
        order = await cancel_order(CancelOrder(viewer, key, reason), context.uow)
    except Refused as refused:
        return CancelOrderPayload(order=None, errors=_errors(refused))
    return CancelOrderPayload(order=OrderType.from_domain(order), errors=[])


async def _product_payload(context: Context, product_id: int) -> ProductPayload:
    product = await context.loaders.product.load(product_id)
    assert product is not None, "a product just written is readable"
    return ProductPayload(product=ProductType.from_domain(product), errors=[])


async def resolve_create_product(
    context: Context, product_input: CreateProductInput
) -> ProductPayload:
    try:
        _viewer(context, staff=True)
        command = CreateProduct(
            isbn=product_input.isbn.replace("-", "").strip(),
            title=product_input.title,
            author=product_input.author,
            publisher=product_input.publisher,
            price=product_input.price,
            initial_stock=product_input.initial_stock,
        )
        product_id = await create_product(command, context.uow)
    except Refused as refused:
        return ProductPayload(product=None, errors=_errors(refused, INPUT))
    return await _product_payload(context, product_id)


async def resolve_adjust_stock(context: Context, product_id: str, delta: int) -> ProductPayload:
    try:
        _viewer(context, staff=True)
        try:
            key = product_key(product_id)
        except ApiError as exc:
            raise Refused(
                [Problem(ProblemCode.INVALID_INPUT, exc.message, ("productId",))]
            ) from exc
        await adjust_stock(AdjustStock(product_id=key, delta=delta), context.uow)
    except Refused as refused:
        return ProductPayload(product=None, errors=_errors(refused))
    return await _product_payload(context, key)
