"""`node(id)`: any object by its global id, through the resolver of its feature."""

from __future__ import annotations

from domain.catalogue import Product
from domain.member import Member
from domain.order import Order
from resolvers.catalogue.reads import get_product
from resolvers.common.context import Context
from resolvers.common.errors import invalid_input
from resolvers.common.ids import from_global_id
from resolvers.members.reads import get_member
from resolvers.orders.reads import get_order


async def get_node(context: Context, global_id: str) -> Product | Order | Member | None:
    kind, _ = from_global_id(global_id)
    if kind == "Product":
        return await get_product(context, global_id)
    if kind == "Order":
        return await get_order(context, global_id)
    if kind == "Member":
        return await get_member(context, global_id)
    raise invalid_input(f"{global_id!r} is not an id of this API")
