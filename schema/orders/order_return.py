"""`Order.returns` as the contract shows it: each return (반품) asked for, why, which copies, and
how far it has come."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry
from strawberry.types import Info

from domain.catalogue import Product
from domain.order_return import OrderReturn, ReturnReason, ReturnStatus
from resolvers.common.context import Context
from resolvers.common.loaders import now_or_later
from schema.catalogue.types import ProductType

strawberry.enum(ReturnReason, name="ReturnReason")
strawberry.enum(ReturnStatus, name="ReturnStatus")


@strawberry.type(name="ReturnLine")
class ReturnLineType:
    quantity: int
    product_id: strawberry.Private[int]

    @strawberry.field(graphql_type=ProductType)
    def product(self, info: Info[Context, None]) -> ProductType | Awaitable[ProductType]:
        def shape(product: Product | None) -> ProductType:
            if product is None:
                raise LookupError(f"a return names product {self.product_id}, which is gone")
            return ProductType.from_domain(product)

        return now_or_later(info.context.loaders.product, self.product_id, shape)


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
