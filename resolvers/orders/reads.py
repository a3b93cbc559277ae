"""Reading orders: one order, pages of orders, a member's orders. Customers see their own only."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.access import may_act_for
from domain.member import member_id_problem
from domain.order import Order
from domain.paging import OrderCriteria, Page
from resolvers.common.context import Context
from resolvers.common.cursors import order_position
from resolvers.common.errors import ApiError, forbidden, invalid_input
from resolvers.common.ids import from_global_id, order_key
from resolvers.common.loaders import MemberOrdersKey, OrderPaging
from resolvers.common.paging import page_size
from resolvers.orders.preload import Preloads, preload_orders


@dataclass(frozen=True, slots=True)
class OrderListing:
    """One page of orders, with what its connection needs to cursor and count it."""

    page: Page[Order]
    criteria: OrderCriteria
    after: str | None
    member_key: MemberOrdersKey | None = None
    """Set on a member's orders: they are counted through the batch of every member's."""


def _criteria(member_id: str | None, wanted: OrderCriteria | None) -> OrderCriteria:
    """The filter as asked, over the orders of `member_id` (every member's when None)."""
    if wanted is None:
        return OrderCriteria(member_id=member_id)
    return replace(wanted, member_id=member_id)


def member_id_of(filter_member_id: str, path: str = "filter.memberId") -> str:
    """A Member's global id, or the member id itself (the token's `sub`); text that can be no
    member's id is an INVALID_INPUT error, never compared."""
    try:
        kind, key = from_global_id(filter_member_id)
        member_id = key if kind == "Member" else filter_member_id
    except ApiError:
        member_id = filter_member_id
    if problem := member_id_problem(path, member_id):
        raise invalid_input(problem)
    return member_id


def _scope(context: Context, wanted: OrderCriteria | None) -> str | None:
    """Whose orders a listing covers: the customer's own, or any member's for staff."""
    viewer = context.require_viewer()
    member_id = member_id_of(wanted.member_id) if wanted and wanted.member_id else None
    if viewer.is_staff:
        return member_id
    if member_id is not None and member_id != viewer.member.id:
        raise forbidden("filter.memberId: only staff may list another member's orders")
    return viewer.member.id


async def list_orders(
    context: Context,
    first: int | None,
    after: str | None,
    wanted: OrderCriteria | None,
    wanted_below: Preloads,
) -> OrderListing:
    size = page_size(first)
    position = order_position(after) if after else None
    criteria = _criteria(_scope(context, wanted), wanted)
    page = await context.store.order_page(criteria, first=size, after=position)
    await preload_orders(context, page.items, wanted_below)
    return OrderListing(page, criteria, after)


async def member_orders(
    context: Context,
    member_id: str,
    first: int | None,
    after: str | None,
    wanted: OrderCriteria | None,
    wanted_below: Preloads,
) -> OrderListing:
    if not may_act_for(context.viewer, member_id):
        raise forbidden("only the member itself or staff may list a member's orders")
    if wanted is not None and wanted.member_id is not None:
        raise invalid_input("filter.memberId: not allowed on Member.orders")
    criteria = _criteria(member_id, wanted)
    paging = OrderPaging(
        criteria=criteria,
        first=page_size(first),
        after=order_position(after) if after else None,
    )
    key = MemberOrdersKey(member_id=member_id, paging=paging)
    page = await context.loaders.member_orders.load(key)
    await preload_orders(context, page.items, wanted_below)
    return OrderListing(page, criteria, after, member_key=key)


async def get_order(
    context: Context, order_id: str, wanted_below: Preloads = frozenset()
) -> Order | None:
    """The order, or None when it does not exist or belongs to someone else."""
    key = order_key(order_id)
    viewer = context.require_viewer()
    order = await context.loaders.order.load(key)
    if order is None or not may_act_for(viewer, order.member_id):
        return None
    await preload_orders(context, [order], wanted_below)
    return order
