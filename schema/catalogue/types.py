"""Books as the API shows them, and pages of them."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

import strawberry
from strawberry.types import Info

from domain.catalogue import Product
from resolvers.catalogue.reads import ProductListing
from resolvers.common.context import Context
from resolvers.common.cursors import product_cursor
from resolvers.common.ids import to_global_id
from resolvers.common.loaders import now_or_later
from schema.common.types import MoneyType, Node, PageInfo


@strawberry.type(name="Stock")
class StockType:
    available: int
    reserved: int


@strawberry.type(name="Product")
class ProductType(Node):
    """A book as the API shows it. Its list price, sale price and points are worked out when a
    query asks for them: a page that shows the price only built three Money objects and the
    book's pricing for each book."""

    id: strawberry.ID
    isbn: str
    title: str
    author: str
    publisher: str | None
    price: MoneyType = strawberry.field(
        description="The list price (정가), as listPrice; what a copy sells for is salePrice."
    )
    stock: StockType

    @strawberry.field(description="정가, the list price the publisher set (the same as price).")
    def list_price(self) -> MoneyType:
        return MoneyType.from_domain(self.product.price)

    @strawberry.field(
        description="판매가, what a copy sells for: the list price less discountRate of it, the "
        "discount rounded down to the won (도서정가제: at most 10 % below the list price)."
    )
    def sale_price(self) -> MoneyType:
        return MoneyType(amount=self.product.priced.sale_price, currency=self.price.currency)

    discount_rate: int = strawberry.field(
        description="The discount off the list price, in basis points (1000 = 10 %; at most 1000)."
    )
    points_rate: int = strawberry.field(
        description="The points (적립금) a copy earns, in basis points of the list price "
        "(discountRate + pointsRate is at most 1500, 15 %)."
    )

    @strawberry.field(
        description="The points one copy earns once its order is delivered: pointsRate of the "
        "list price, rounded down to the won."
    )
    def points(self) -> int:
        return self.product.priced.points

    product: strawberry.Private[Product]

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
            discount_rate=product.rates.discount,
            points_rate=product.rates.points,
            product=product,
        )


class NamesABook(Protocol):
    """A line (of an order, of a return) that names its book by id."""

    @property
    def product_id(self) -> int: ...


def book_of_line(
    root: NamesABook, info: Info[Context, None]
) -> ProductType | Awaitable[ProductType]:
    """The `product` field of a line: its book, through the request's product loader."""

    def shape(product: Product | None) -> ProductType:
        if product is None:
            raise LookupError(f"a line names product {root.product_id}, which is gone")
        return ProductType.from_domain(product)

    return now_or_later(info.context.loaders.product, root.product_id, shape)


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
