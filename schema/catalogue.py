"""Books as the API shows them, and pages of them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.catalogue import Product
from resolvers.context import Context
from schema.common import MoneyType, Node, PageInfo
from schema.ids import to_global_id


@strawberry.type(name="Stock")
class StockType:
    available: int
    reserved: int


@strawberry.type(name="Product")
class ProductType(Node):
    id: strawberry.ID
    isbn: str
    title: str
    author: str
    publisher: str | None
    price: MoneyType
    stock: StockType

    @classmethod
    def from_domain(cls, product: Product) -> ProductType:
        return cls(
            id=strawberry.ID(to_global_id("Product", product.id)),
            isbn=product.isbn,
            title=product.title,
            author=product.author,
            publisher=product.publisher,
            price=MoneyType.from_domain(product.price),
            stock=StockType(available=product.stock.available, reserved=product.stock.reserved),
        )


@strawberry.type
class ProductEdge:
    cursor: str
    node: ProductType


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    search: strawberry.Private[str | None]

    @strawberry.field
    async def total_count(self, info: Info[Context, None]) -> int:
        return await info.context.store.count_products(search=self.search)
