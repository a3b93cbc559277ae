"""Load at the root of a page of orders what the query asks for below each order, level by
level, through the request's DataLoaders (`AheadLoader.load_ahead`: one batch call per level,
the values kept by key, no future per value). The fields below then find their values loaded
and resolve synchronously: the same batched statements, without a task and an await per field of
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
        first.append(loaders.items.load_ahead(ids))
    if Preload.PAYMENT in wanted:
        first.append(loaders.payment.load_ahead(ids))
    if Preload.DELIVERY in wanted:
        first.append(loaders.delivery.load_ahead(ids))
    if Preload.HISTORY in wanted:
        first.append(loaders.history.load_ahead(ids))
    if Preload.MEMBER in wanted:
        first.append(loaders.member.load_ahead({order.member_id for order in orders}))
    await asyncio.gather(*first)
    second: list[Any] = []
    if Preload.ITEM_PRODUCTS in wanted:
        lines = await loaders.items.load_ahead(ids)
        second.append(loaders.product.load_ahead({i.product_id for line in lines for i in line}))
    if Preload.DELIVERY_EVENTS in wanted:
        deliveries = await loaders.delivery.load_ahead(ids)
        second.append(loaders.delivery_events.load_ahead([d.id for d in deliveries if d]))
    await asyncio.gather(*second)
