"""Reading the catalogue: open to everyone, token or not."""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalogue import Product, is_valid_isbn13
from domain.text import text_problem
from resolvers.common.context import Context
from resolvers.common.cursors import product_position
from resolvers.common.errors import invalid_input
from resolvers.common.ids import product_key
from resolvers.common.paging import page_size


@dataclass(frozen=True, slots=True)
class ProductListing:
    """One page of books, with what its connection needs to cursor and count it."""

    products: list[Product]
    has_next: bool
    after: str | None
    search: str | None


async def get_product(context: Context, product_id: str) -> Product | None:
    return await context.loaders.product.load(product_key(product_id))


async def product_by_isbn(context: Context, isbn: str) -> Product | None:
    isbn = isbn.replace("-", "").strip()
    if not is_valid_isbn13(isbn):  # no book has it, and it never reaches the database
        return None
    found = await context.store.product_id_by_isbn(isbn)
    if found is None:
        return None
    return await context.loaders.product.load(found)


MAX_SEARCH = 100
"""The longest search of the catalogue, as the order search's texts: every title and author is
matched against it, and on PostgreSQL one of 10,000 characters over 200,000 books took 35 s,
one of 60,000 (what a request body holds) 282 s."""


async def list_products(
    context: Context, first: int | None, after: str | None, search: str | None
) -> ProductListing:
    size = page_size(first)
    search = search.strip() if search else None
    if search and (problem := text_problem("search", search, limit=MAX_SEARCH)):
        raise invalid_input(problem)
    page = await context.store.product_id_page(
        first=size, after=product_position(after) if after else None, search=search
    )
    # the page's books in one batch of their loader, without a future for each
    products = await context.loaders.product.load_ahead(page.items)
    found = [product for product in products if product is not None]
    return ProductListing(found, page.has_next, after, search)
