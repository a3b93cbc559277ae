"""`node(id)` and `me`: objects found by global id, and the member asking."""

from __future__ import annotations

from resolvers.catalogue import get_product
from resolvers.context import Context
from resolvers.orders import get_order
from schema.common import Node
from schema.errors import invalid_input
from schema.ids import from_global_id, member_key
from schema.member import MemberType


async def get_node(context: Context, global_id: str) -> Node | None:
    kind, _ = from_global_id(global_id)
    if kind == "Product":
        return await get_product(context, global_id)
    if kind == "Order":
        return await get_order(context, global_id)
    if kind == "Member":
        key = member_key(global_id)
        if not context.may_see_member(key):
            return None
        member = await context.loaders.member.load(key)
        return MemberType.from_domain(member) if member else None
    raise invalid_input(f"{global_id!r} is not an id of this API")


def get_me(context: Context) -> MemberType | None:
    if context.viewer is None:
        return None
    return MemberType.from_domain(context.viewer.member)
