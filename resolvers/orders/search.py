"""Customer service's order search: staff only, the criteria checked by the domain's rule."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.access import STAFF_ONLY
from domain.order import Order
from domain.order_search import OrderSearch
from domain.paging import Page
from domain.problems import Refused
from resolvers.common.context import Context
from resolvers.common.cursors import order_position
from resolvers.common.errors import forbidden, invalid_input
from resolvers.common.paging import page_size
from resolvers.orders.preload import Preloads, preload_orders
from resolvers.orders.reads import member_id_of


@dataclass(frozen=True, slots=True)
class SearchListing:
    page: Page[Order]
    after: str | None


def _search(wanted: OrderSearch) -> OrderSearch:
    """The domain's criteria, checked; every bad one in one INVALID_INPUT error, each named."""
    member_id = member_id_of(wanted.member_id, "criteria.memberId") if wanted.member_id else None
    try:
        return replace(wanted, member_id=member_id).checked()
    except Refused as refused:
        raise invalid_input(
            "; ".join(f"criteria.{'.'.join(p.field or ())}: {p.message}" for p in refused.problems)
        ) from None


async def search_orders(
    context: Context,
    first: int | None,
    after: str | None,
    wanted: OrderSearch,
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
