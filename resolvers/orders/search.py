"""Customer service's order search: staff only, the criteria checked by the domain's rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.access import STAFF_ONLY
from domain.order import Order
from domain.order_search import OrderSearch, order_search
from domain.paging import Page
from domain.problems import Refused
from domain.status import OrderStatus
from resolvers.common.context import Context
from resolvers.common.cursors import order_position
from resolvers.common.errors import forbidden, invalid_input
from resolvers.common.paging import page_size
from resolvers.orders.preload import Preloads, preload_orders
from resolvers.orders.reads import member_id_of


@dataclass(frozen=True, slots=True)
class OrderSearchValues:
    """What a client's `OrderSearchInput` asks for, as the resolvers read it."""

    number: str | None = None
    member_id: str | None = None
    recipient: str | None = None
    phone: str | None = None
    isbn: str | None = None
    title: str | None = None
    statuses: tuple[OrderStatus, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class SearchListing:
    page: Page[Order]
    after: str | None


def _search(wanted: OrderSearchValues) -> OrderSearch:
    """The domain's criteria; every bad one in one INVALID_INPUT error, each named."""
    member_id = wanted.member_id
    try:
        return order_search(
            number=wanted.number,
            member_id=member_id_of(member_id, "criteria.memberId") if member_id else None,
            recipient=wanted.recipient,
            phone=wanted.phone,
            isbn=wanted.isbn,
            title=wanted.title,
            statuses=wanted.statuses,
            created_after=wanted.created_after,
            created_before=wanted.created_before,
        )
    except Refused as refused:
        raise invalid_input(
            "; ".join(f"criteria.{'.'.join(p.field or ())}: {p.message}" for p in refused.problems)
        ) from None


async def search_orders(
    context: Context,
    first: int | None,
    after: str | None,
    wanted: OrderSearchValues,
    wanted_below: Preloads,
) -> SearchListing:
    """A page of the orders that meet every criterion, newest first; FORBIDDEN for customers."""
    if not context.require_viewer().is_staff:
        raise forbidden(STAFF_ONLY.message)
    size = page_size(first)
    position = order_position(after) if after else None
    page = await context.store.search_orders(_search(wanted), first=size, after=position)
    await preload_orders(context, page.items, wanted_below)
    return SearchListing(page, after)
