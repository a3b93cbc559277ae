"""The members feature's root field: the member asking."""

from __future__ import annotations

from strawberry.types import Info

from resolvers.common.context import Context
from resolvers.members.reads import get_me
from schema.orders.types import MemberWithOrders


def me(info: Info[Context, None]) -> MemberWithOrders | None:
    member = get_me(info.context)
    return MemberWithOrders.from_domain(member) if member is not None else None
