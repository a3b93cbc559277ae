"""Reading orders: one order, pages of orders, a member's orders. Customers see their own only."""

from __future__ import annotations

from domain.member import member_id_problem
from domain.order import Order
from domain.paging import OrderCriteria, Page
from resolvers.context import Context
from resolvers.loaders import MemberOrdersKey, OrderPaging
from resolvers.paging import page_size
from resolvers.preload import Selected, preload_orders
from schema.common import PageInfo
from schema.cursors import order_cursor, order_position
from schema.errors import ApiError, ErrorCode, forbidden, invalid_input
from schema.ids import from_global_id, order_key
from schema.orders import OrderConnection, OrderEdge, OrderFilter, OrderType


def _criteria(member_id: str | None, order_filter: OrderFilter | None) -> OrderCriteria:
    if order_filter is None:
        return OrderCriteria(member_id=member_id)
    return OrderCriteria(
        member_id=member_id,
        statuses=tuple(order_filter.status or ()),
        created_after=order_filter.created_after,
        created_before=order_filter.created_before,
    )


def _member_id_of(filter_member_id: str) -> str:
    """A Member's global id, or the member id itself (the token's `sub`); text that can be no
    member's id is an INVALID_INPUT error, never compared."""
    try:
        kind, key = from_global_id(filter_member_id)
        member_id = key if kind == "Member" else filter_member_id
    except ApiError:
        member_id = filter_member_id
    if problem := member_id_problem("filter.memberId", member_id):
        raise invalid_input(problem)
    return member_id


def _scope(context: Context, order_filter: OrderFilter | None) -> str | None:
    """Whose orders a listing covers: the customer's own, or any member's for staff."""
    viewer = context.require_viewer()
    wanted = order_filter.member_id if order_filter else None
    member_id = _member_id_of(wanted) if wanted else None
    if viewer.is_staff:
        return member_id
    if member_id is not None and member_id != viewer.member.id:
        raise forbidden("filter.memberId: only staff may list another member's orders")
    return viewer.member.id


def _connection(
    page: Page[Order],
    criteria: OrderCriteria,
    after: str | None,
    member_key: MemberOrdersKey | None = None,
) -> OrderConnection:
    edges = [
        OrderEdge(cursor=order_cursor(o.created_at, o.id), node=OrderType.from_domain(o))
        for o in page.items
    ]
    return OrderConnection(
        edges=edges,
        page_info=PageInfo.of([e.cursor for e in edges], has_next=page.has_next, after=after),
        criteria=criteria,
        member_key=member_key,
    )


async def list_orders(
    context: Context,
    first: int | None,
    after: str | None,
    order_filter: OrderFilter | None,
    selected: Selected,
) -> OrderConnection:
    size = page_size(first)
    position = order_position(after) if after else None
    criteria = _criteria(_scope(context, order_filter), order_filter)
    page = await context.store.order_page(criteria, first=size, after=position)
    await preload_orders(context, page.items, selected)
    return _connection(page, criteria, after)


async def member_orders(
    context: Context,
    member_id: str,
    first: int | None,
    after: str | None,
    order_filter: OrderFilter | None,
    selected: Selected,
) -> OrderConnection:
    if not context.may_see_member(member_id):
        raise forbidden("only the member itself or staff may list a member's orders")
    if order_filter is not None and order_filter.member_id is not None:
        raise ApiError(ErrorCode.INVALID_INPUT, "filter.memberId: not allowed on Member.orders")
    criteria = _criteria(member_id, order_filter)
    paging = OrderPaging(
        criteria=criteria,
        first=page_size(first),
        after=order_position(after) if after else None,
    )
    key = MemberOrdersKey(member_id=member_id, paging=paging)
    page = await context.loaders.member_orders.load(key)
    await preload_orders(context, page.items, selected)
    return _connection(page, criteria, after, member_key=key)


async def get_order(
    context: Context, order_id: str, selected: Selected | None = None
) -> OrderType | None:
    """The order, or None when it does not exist or belongs to someone else."""
    key = order_key(order_id)
    viewer = context.require_viewer()
    order = await context.loaders.order.load(key)
    if order is None or not (viewer.is_staff or order.member_id == viewer.member.id):
        return None
    if selected:
        await preload_orders(context, [order], selected)
    return OrderType.from_domain(order)
