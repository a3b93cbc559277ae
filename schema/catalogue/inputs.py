"""Inputs and payloads of staff's changes to the catalogue. Expected failures are `errors`,
never exceptions."""

from __future__ import annotations

import strawberry

from domain.commands import CreateProduct
from schema.catalogue.types import ProductType
from schema.common.errors import UserError


@strawberry.input
class CreateProductInput:
    isbn: str
    title: str
    author: str
    price: int
    publisher: str | None = None
    initial_stock: int = 0

    def to_command(self) -> CreateProduct:
        return CreateProduct(
            isbn=self.isbn.replace("-", "").strip(),
            title=self.title,
            author=self.author,
            publisher=self.publisher,
            price=self.price,
            initial_stock=self.initial_stock,
        )


@strawberry.type
class ProductPayload:
    product: ProductType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
