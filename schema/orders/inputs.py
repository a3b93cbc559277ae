"""Inputs and payloads of placing and cancelling an order. Expected failures are `errors`,
never exceptions."""

from __future__ import annotations

import dataclasses

import strawberry

from domain.order import Address
from schema.common.errors import UserError
from schema.orders.types import OrderType


@strawberry.input
class OrderLineInput:
    product_id: strawberry.ID
    quantity: int

    @staticmethod
    def pairs(lines: list[OrderLineInput]) -> list[tuple[str, int]]:
        """The lines as the mutations' resolvers take them: (the book's id as sent, copies)."""
        return [(line.product_id, line.quantity) for line in lines]


@strawberry.input
class AddressInput:
    recipient: str
    phone: str
    zip_code: str
    line1: str
    line2: str | None = None

    def to_domain(self) -> Address:
        return Address.of(dataclasses.asdict(self))


@strawberry.input(
    description=(
        "The simulated payment gateway understands test tokens, in the manner of card test "
        "numbers:\n  tok_ok (or none): approved;  tok_decline: declined;\n"
        "  tok_flaky_N: the gateway fails transiently N times, then approves;\n"
        "  tok_down: the gateway fails transiently on every attempt."
    )
)
class PaymentInput:
    token: str | None = None


@strawberry.input
class PlaceOrderInput:
    items: list[OrderLineInput]
    shipping_address: AddressInput
    payment: PaymentInput | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Same key from the same member: the first order is returned, "
        "no second one is made.",
    )
    points: int = strawberry.field(
        default=0,
        description="Added (issue 17). Points (적립금) to spend: all or part of the amount due "
        "(the total, shipping included); the card pays the rest, or nothing. More than the "
        "balance is NOT_ENOUGH_POINTS, more than the amount due INVALID_INPUT.",
    )


@strawberry.type
class PlaceOrderPayload:
    order: OrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelOrderPayload:
    order: OrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelOrderLinesPayload:
    order: OrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
