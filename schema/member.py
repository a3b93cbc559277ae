"""Members as the API shows them, with their orders."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.member import Member
from resolvers.context import Context
from resolvers.orders import member_orders
from resolvers.preload import order_fields
from schema.common import Node
from schema.ids import to_global_id
from schema.orders import OrderConnection, OrderFilter


@strawberry.type(name="Member")
class MemberType(Node):
    id: strawberry.ID
    name: str | None
    email: str | None
    member_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, member: Member) -> MemberType:
        return cls(
            id=strawberry.ID(to_global_id("Member", member.id)),
            name=member.name,
            email=member.email,
            member_id=member.id,
        )

    @strawberry.field
    async def orders(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        filter: OrderFilter | None = None,
    ) -> OrderConnection:
        selected = order_fields(info, "*", "edges", "node")
        return await member_orders(info.context, self.member_id, first, after, filter, selected)
