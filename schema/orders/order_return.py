"""`Order.returns` as the contract shows it: each return (반품) asked for, why, which copies, and
how far it has come."""

from __future__ import annotations

import strawberry

from domain.order_return import OrderReturn, ReturnReason, ReturnStatus
from schema.catalogue.types import ProductType, book_of_line

strawberry.enum(ReturnReason, name="ReturnReason")
strawberry.enum(ReturnStatus, name="ReturnStatus")


@strawberry.type(name="ReturnLine")
class ReturnLineType:
    quantity: int
    product_id: strawberry.Private[int]

    product = strawberry.field(resolver=book_of_line, graphql_type=ProductType)


@strawberry.type(name="OrderReturn")
class OrderReturnType:
    number: int = strawberry.field(description="The order's returns are numbered, 1 first.")
    reason: ReturnReason
    status: ReturnStatus
    tracking_number: str | None = strawberry.field(
        description="The return parcel's, once the carrier registered it."
    )
    lines: list[ReturnLineType]

    @classmethod
    def from_domain(cls, found: OrderReturn) -> OrderReturnType:
        return cls(
            number=found.number,
            reason=found.reason,
            status=found.status,
            tracking_number=found.tracking_number,
            lines=[ReturnLineType(quantity=q, product_id=p) for p, q in found.lines],
        )
