"""Load at the root of a page of orders what the query asks for below each order, level by
level, through the request's DataLoaders. The fields below then find their values loaded and
resolve synchronously: the same batched statements, without a task and an await per field of
every order. Which fields ask for which load is the schema's to say, keyed on its own field
definitions (`schema.orders.types.ORDER_LOOK_AHEAD`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from enum import Enum, auto
from typing import Any

from domain.order import Order
from resolvers.common.context import Context


class Preload(Enum):
    """What can be loaded for a page of orders before its fields resolve."""

    ITEMS = auto()
    PAYMENT = auto()
    DELIVERY = auto()
    HISTORY = auto()
    MEMBER = auto()
    ITEM_PRODUCTS = auto()
    """The products of the items (after ITEMS)."""
    DELIVERY_EVENTS = auto()
    """The tracking events of the deliveries (after DELIVERY)."""


Preloads = frozenset[Preload]


async def preload_orders(context: Context, orders: Sequence[Order], wanted: Preloads) -> None:
    ids = [order.id for order in orders]
    if not ids or not wanted:
        return
    loaders = context.loaders
    first: list[Any] = []
    if Preload.ITEMS in wanted:
        first.append(loaders.items.load_many(ids))
    if Preload.PAYMENT in wanted:
        first.append(loaders.payment.load_many(ids))
    if Preload.DELIVERY in wanted:
        first.append(loaders.delivery.load_many(ids))
    if Preload.HISTORY in wanted:
        first.append(loaders.history.load_many(ids))
    if Preload.MEMBER in wanted:
        first.append(loaders.member.load_many(list({order.member_id for order in orders})))
    await asyncio.gather(*first)
    second: list[Any] = []
    if Preload.ITEM_PRODUCTS in wanted:
        lines = await loaders.items.load_many(ids)
        product_ids = list({item.product_id for line in lines for item in line})
        second.append(loaders.product.load_many(product_ids))
    if Preload.DELIVERY_EVENTS in wanted:
        deliveries = await loaders.delivery.load_many(ids)
        second.append(loaders.delivery_events.load_many([d.id for d in deliveries if d]))
    await asyncio.gather(*second)
