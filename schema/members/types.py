"""A member as the API shows it (its orders are added by the orders feature:
`schema.orders.types.MemberWithOrders`)."""

from __future__ import annotations

from typing import Self

import strawberry

from domain.member import Member
from resolvers.common.ids import to_global_id
from schema.common.types import Node


@strawberry.type(name="Member")
class MemberType(Node):
    id: strawberry.ID
    name: str | None
    email: str | None
    member_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, member: Member) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Member", member.id)),
            name=member.name,
            email=member.email,
            member_id=member.id,
        )
