"""Staff's changes to the catalogue: a new book, a book's rates, a stock adjustment (the schema
lets staff through only). A refusal is raised as `Refused`; the schema answers it as the payload's
errors."""

from __future__ import annotations

from domain.catalogue import Product
from domain.catalogue_admin import adjust_stock, change_rates, create_product
from domain.commands import AdjustStock, ChangeBookRates, CreateProduct
from domain.pricing import BookRates
from resolvers.common.context import Context
from resolvers.common.errors import ApiError, invalid_field
from resolvers.common.ids import product_key


async def _written(context: Context, product_id: int) -> Product:
    product = await context.loaders.product.load(product_id)
    assert product is not None, "a product just written is readable"
    return product


async def resolve_create_product(context: Context, command: CreateProduct) -> Product:
    return await _written(context, await create_product(command, context.uow))


def _product_key(product_id: str) -> int:
    try:
        return product_key(product_id)
    except ApiError as exc:
        raise invalid_field(("productId",), exc.message) from exc


async def resolve_change_rates(context: Context, product_id: str, rates: BookRates) -> Product:
    key = _product_key(product_id)
    await change_rates(ChangeBookRates(product_id=key, rates=rates), context.uow)
    return await _written(context, key)


async def resolve_adjust_stock(context: Context, product_id: str, delta: int) -> Product:
    key = _product_key(product_id)
    await adjust_stock(AdjustStock(product_id=key, delta=delta), context.uow)
    return await _written(context, key)
