"""Books as the API shows them, and pages of them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.catalogue import Product
from resolvers.catalogue.reads import ProductListing
from resolvers.common.context import Context
from resolvers.common.cursors import product_cursor
from resolvers.common.ids import to_global_id
from schema.common.types import MoneyType, Node, PageInfo


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

    @classmethod
    def from_listing(cls, listing: ProductListing) -> ProductConnection:
        edges = [
            ProductEdge(cursor=product_cursor(p.id), node=ProductType.from_domain(p))
            for p in listing.products
        ]
        return cls(
            edges=edges,
            page_info=PageInfo.of(
                [e.cursor for e in edges], has_next=listing.has_next, after=listing.after
            ),
            search=listing.search,
        )

    @strawberry.field
    async def total_count(self, info: Info[Context, None]) -> int:
        return await info.context.store.count_products(search=self.search)
