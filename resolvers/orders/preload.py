"""Look ahead at what a page of orders asks for below each order, and load all of it at the
root, level by level, through the request's DataLoaders. The fields below then find their
values loaded and resolve synchronously: the same batched statements, without a task and an
await per field of every order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from domain.order import Order
from resolvers.common.context import Context


def _fields(selections: Iterable[Selection]) -> Selected:
    """Field name to what is selected below it, fragments merged."""
    found: dict[str, list[Selection]] = {}
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.setdefault(selection.name, []).extend(selection.selections)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            for name, below in _fields(selection.selections).items():
                found.setdefault(name, []).extend(below)
    return found


Selected = dict[str, list[Selection]]
"""Field name to what is selected below it."""


def order_fields(info: Info[Context, Any], *path: str) -> Selected:
    """What the query selects on the orders found at `path` below the current field."""
    level = _fields(info.selected_fields)
    for name in path:
        level = _fields(next(iter(level.values()), []) if name == "*" else level.get(name, []))
    return level


async def preload_orders(context: Context, orders: Sequence[Order], selected: Selected) -> None:
    ids = [order.id for order in orders]
    if not ids:
        return
    loaders = context.loaders
    first: list[Any] = []
    if "items" in selected:
        first.append(loaders.items.load_many(ids))
    if "payment" in selected:
        first.append(loaders.payment.load_many(ids))
    if "delivery" in selected:
        first.append(loaders.delivery.load_many(ids))
    if "history" in selected:
        first.append(loaders.history.load_many(ids))
    if "member" in selected:
        first.append(loaders.member.load_many(list({order.member_id for order in orders})))
    await asyncio.gather(*first)
    second: list[Any] = []
    if "product" in _fields(selected.get("items", [])):
        lines = await loaders.items.load_many(ids)
        product_ids = list({item.product_id for line in lines for item in line})
        second.append(loaders.product.load_many(product_ids))
    if "events" in _fields(selected.get("delivery", [])):
        deliveries = await loaders.delivery.load_many(ids)
        second.append(loaders.delivery_events.load_many([d.id for d in deliveries if d]))
    await asyncio.gather(*second)
