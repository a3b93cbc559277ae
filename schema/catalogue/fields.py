"""The catalogue's root fields: books by id, by ISBN and in pages; staff's changes."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.pricing import BookRates
from resolvers.catalogue.mutations import (
    resolve_adjust_stock,
    resolve_change_rates,
    resolve_create_product,
)
from resolvers.catalogue.reads import get_product, list_products, product_by_isbn
from resolvers.common.context import Context
from schema.catalogue.inputs import CreateProductInput, ProductPayload
from schema.catalogue.types import ProductConnection, ProductType


async def product(info: Info[Context, None], id: strawberry.ID) -> ProductType | None:
    found = await get_product(info.context, id)
    return ProductType.from_domain(found) if found is not None else None


async def product_by_isbn_field(info: Info[Context, None], isbn: str) -> ProductType | None:
    found = await product_by_isbn(info.context, isbn)
    return ProductType.from_domain(found) if found is not None else None


async def products(
    info: Info[Context, None],
    first: int | None = 20,
    after: str | None = None,
    search: str | None = None,
) -> ProductConnection:
    return ProductConnection.from_listing(await list_products(info.context, first, after, search))


async def create_product(info: Info[Context, None], input: CreateProductInput) -> ProductPayload:
    created = await resolve_create_product(info.context, input.to_command())
    return ProductPayload(product=ProductType.from_domain(created))


async def change_product_rates(
    info: Info[Context, None], product_id: strawberry.ID, discount_rate: int, points_rate: int
) -> ProductPayload:
    changed = await resolve_change_rates(
        info.context, product_id, BookRates(discount=discount_rate, points=points_rate)
    )
    return ProductPayload(product=ProductType.from_domain(changed))


async def adjust_stock(
    info: Info[Context, None], product_id: strawberry.ID, delta: int
) -> ProductPayload:
    adjusted = await resolve_adjust_stock(info.context, product_id, delta)
    return ProductPayload(product=ProductType.from_domain(adjusted))
