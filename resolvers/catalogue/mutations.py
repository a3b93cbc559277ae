"""Staff's changes to the catalogue: a new book, a stock adjustment (the schema lets staff
through only). A refusal is raised as `Refused`; the schema answers it as the payload's
errors."""

from __future__ import annotations

from domain.catalogue import Product
from domain.catalogue_admin import adjust_stock, create_product
from domain.commands import AdjustStock, CreateProduct
from resolvers.common.context import Context
from resolvers.common.errors import ApiError, invalid_field
from resolvers.common.ids import product_key


async def _written(context: Context, product_id: int) -> Product:
    product = await context.loaders.product.load(product_id)
    assert product is not None, "a product just written is readable"
    return product


async def resolve_create_product(context: Context, command: CreateProduct) -> Product:
    return await _written(context, await create_product(command, context.uow))


async def resolve_adjust_stock(context: Context, product_id: str, delta: int) -> Product:
    try:
        key = product_key(product_id)
    except ApiError as exc:
        raise invalid_field(("productId",), exc.message) from exc
    await adjust_stock(AdjustStock(product_id=key, delta=delta), context.uow)
    return await _written(context, key)
