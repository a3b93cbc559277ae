"""A member's points (적립금) as the API shows them: the balance and the ledger's entries, newest
first. The entry's order is the orders feature's type, named lazily: that feature imports this
one (its Member holds the points), not the other way."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from domain.points import PointsEntry, PointsReason
from resolvers.common.context import Context
from resolvers.common.cursors import points_entry_cursor
from resolvers.members.points import points_balance, points_entries
from schema.common.types import PageInfo

if TYPE_CHECKING:
    from schema.orders.types import OrderType

strawberry.enum(PointsReason, name="PointsReason")


@strawberry.type(name="PointsEntry")
class PointsEntryType:
    amount: int = strawberry.field(
        description="Positive when points come in (EARNED, RETURNED), negative when spent (SPENT)."
    )
    reason: PointsReason
    occurred_at: datetime
    order_id: strawberry.Private[UUID]

    @classmethod
    def from_domain(cls, entry: PointsEntry) -> PointsEntryType:
        assert entry.at is not None, "an entry read from the ledger was written"
        return cls(
            amount=entry.amount,
            reason=entry.reason,
            occurred_at=entry.at,
            order_id=entry.order_id,
        )

    @strawberry.field(description="The order the entry is about.")
    async def order(
        self, info: Info[Context, None]
    ) -> Annotated[OrderType, strawberry.lazy("schema.orders.types")]:
        from schema.orders.types import OrderType  # the orders feature imports this module

        order = await info.context.loaders.order.load(self.order_id)
        if order is None:
            raise LookupError(f"a points entry names order {self.order_id}, which does not exist")
        return OrderType.from_domain(order)


def _cursor(entry: PointsEntry) -> str:
    assert entry.id is not None, "an entry read from the ledger has its place"
    return points_entry_cursor(entry.id)


@strawberry.type
class PointsEntryEdge:
    cursor: str
    node: PointsEntryType


@strawberry.type
class PointsEntryConnection:
    edges: list[PointsEntryEdge]
    page_info: PageInfo


@strawberry.type(name="MemberPoints")
class MemberPointsType:
    member_id: strawberry.Private[str]

    @strawberry.field(description="The sum of the entries: the points the member may spend.")
    async def balance(self, info: Info[Context, None]) -> int:
        return await points_balance(info.context, self.member_id)

    @strawberry.field(description="The ledger, newest entry first; first is capped at 100.")
    async def entries(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> PointsEntryConnection:
        listing = await points_entries(info.context, self.member_id, first, after)
        edges = [
            PointsEntryEdge(cursor=_cursor(entry), node=PointsEntryType.from_domain(entry))
            for entry in listing.entries
        ]
        return PointsEntryConnection(
            edges=edges,
            page_info=PageInfo.of(
                [e.cursor for e in edges], has_next=listing.has_next, after=listing.after
            ),
        )
