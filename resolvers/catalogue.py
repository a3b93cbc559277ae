"""Reading the catalogue: open to everyone, token or not."""

from __future__ import annotations

from domain.catalogue import is_valid_isbn13
from domain.text import character_problem
from resolvers.context import Context
from resolvers.paging import page_size
from schema.catalogue import ProductConnection, ProductEdge, ProductType
from schema.common import PageInfo
from schema.cursors import product_cursor, product_position
from schema.errors import invalid_input
from schema.ids import product_key


async def get_product(context: Context, product_id: str) -> ProductType | None:
    product = await context.loaders.product.load(product_key(product_id))
    return ProductType.from_domain(product) if product else None


async def product_by_isbn(context: Context, isbn: str) -> ProductType | None:
    isbn = isbn.replace("-", "").strip()
    if not is_valid_isbn13(isbn):  # no book has it, and it never reaches the database
        return None
    found = await context.store.product_id_by_isbn(isbn)
    if found is None:
        return None
    product = await context.loaders.product.load(found)
    return ProductType.from_domain(product) if product else None


async def list_products(
    context: Context, first: int | None, after: str | None, search: str | None
) -> ProductConnection:
    size = page_size(first)
    search = search.strip() if search else None
    if search and (problem := character_problem("search", search)):
        raise invalid_input(problem)
    page = await context.store.product_id_page(
        first=size, after=product_position(after) if after else None, search=search
    )
    products = await context.loaders.product.load_many(page.items)
    edges = [
        ProductEdge(cursor=product_cursor(p.id), node=ProductType.from_domain(p))
        for p in products
        if p is not None
    ]
    return ProductConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], has_next=page.has_next, after=after),
        search=search,
    )
