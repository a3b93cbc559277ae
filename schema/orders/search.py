"""`Query.searchOrders`: customer service's order search (staff only), its input and its page."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import strawberry
from strawberry.types import Info

from domain.order_search import OrderSearch
from resolvers.common.context import Context
from resolvers.orders.search import SearchListing, search_orders
from schema.common.types import PageInfo
from schema.orders.registered import OrderStatusEnum
from schema.orders.types import OrderEdge, order_edges, order_preloads


@strawberry.input(
    description=(
        "Customer service's order search: every criterion given must hold; none lists every order."
    )
)
class OrderSearchInput:
    number: str | None = strawberry.field(
        default=None, description="The whole order number, e.g. 20261124-7F3K9QX2 (any case)."
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Member's global id, or the member id (a token's sub)."
    )
    recipient: str | None = strawberry.field(
        default=None,
        description="Part of the recipient's name, 2 characters or more; Latin letters any case.",
    )
    recipient_name: str | None = strawberry.field(
        default=None,
        description=(
            "The recipient's whole name, exactly as the address has it (Latin letters in its "
            "case); faster than a part of it on a large shop."
        ),
    )
    phone: str | None = strawberry.field(
        default=None, description="The recipient's whole phone number; spaces and dashes ignored."
    )
    isbn: str | None = strawberry.field(
        default=None, description="An ISBN-13 among the order's lines; dashes ignored."
    )
    title: str | None = strawberry.field(
        default=None,
        description=(
            "Part of the title of a book among the order's lines, 2 characters or more; "
            "Latin letters any case."
        ),
    )
    status: list[OrderStatusEnum] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None

    def values(self) -> OrderSearch:
        """The criteria as asked, unchecked (the resolver checks them): each from the input's
        field of its name, but the statuses, from `status`."""
        asked = {f.name: getattr(self, f.name) for f in fields(OrderSearch) if f.name != "statuses"}
        return OrderSearch(**asked, statuses=tuple(self.status or ()))


@strawberry.type(
    description=(
        "A page of found orders, newest first. No totalCount: counting every match of a loose "
        "search over a large shop would cost more than the page."
    )
)
class OrderSearchConnection:
    edges: list[OrderEdge]
    page_info: PageInfo

    @classmethod
    def from_listing(cls, listing: SearchListing) -> OrderSearchConnection:
        edges, page_info = order_edges(listing.page, listing.after)
        return cls(edges=edges, page_info=page_info)


async def order_search(
    info: Info[Context, None],
    criteria: OrderSearchInput,
    first: int | None = 20,
    after: str | None = None,
) -> OrderSearchConnection:
    below = order_preloads(info, "*", "edges", "node")
    listing = await search_orders(info.context, first, after, criteria.values(), below)
    return OrderSearchConnection.from_listing(listing)
