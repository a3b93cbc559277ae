"""`node(id)`: any object of the graph by its global id, shown as its feature's type."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.catalogue import Product
from domain.order import Order
from resolvers.common.context import Context
from resolvers.nodes import get_node
from schema.catalogue.types import ProductType
from schema.common.types import Node
from schema.orders.types import MemberWithOrders, OrderType


async def node(info: Info[Context, None], id: strawberry.ID) -> Node | None:
    found = await get_node(info.context, id)
    if found is None:
        return None
    if isinstance(found, Product):
        return ProductType.from_domain(found)
    if isinstance(found, Order):
        return OrderType.from_domain(found)
    return MemberWithOrders.from_domain(found)
