"""Inputs and payloads of staff's changes to the catalogue. Expected failures are `errors`,
never exceptions."""

from __future__ import annotations

import strawberry

from domain.commands import CreateProduct
from domain.pricing import BookRates
from schema.catalogue.types import ProductType
from schema.common.errors import UserError


@strawberry.input
class CreateProductInput:
    isbn: str
    title: str
    author: str
    price: int = strawberry.field(description="The list price (정가), in won.")
    publisher: str | None = None
    initial_stock: int = 0
    discount_rate: int = strawberry.field(
        default=0,
        description="Added (issue 17). Basis points off the list price (1000 = 10 %), at most "
        "1000; beyond it BOOK_PRICE_LAW.",
    )
    points_rate: int = strawberry.field(
        default=0,
        description="Added (issue 17). Points a copy earns, in basis points of the list price; "
        "discountRate + pointsRate at most 1500 (15 %), beyond it BOOK_PRICE_LAW.",
    )

    def to_command(self) -> CreateProduct:
        return CreateProduct(
            isbn=self.isbn.replace("-", "").strip(),
            title=self.title,
            author=self.author,
            publisher=self.publisher,
            price=self.price,
            initial_stock=self.initial_stock,
            rates=BookRates(discount=self.discount_rate, points=self.points_rate),
        )


@strawberry.type
class ProductPayload:
    product: ProductType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
