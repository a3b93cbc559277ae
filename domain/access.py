"""Who may see and act on what: a member on its own orders, staff on every member's; and the
one sentence each refusal of access says."""

from __future__ import annotations

from uuid import UUID

from domain.member import Viewer
from domain.order import Order
from domain.ports import UnitOfWork
from domain.problems import Problem, ProblemCode, refuse

SIGN_IN = Problem(ProblemCode.UNAUTHENTICATED, "sign in: this needs a bearer token")
STAFF_ONLY = Problem(ProblemCode.FORBIDDEN, "this needs a staff token")
NO_ORDER_OF_YOURS = "no order of yours has this id"
"""What an order that does not exist and one that belongs to someone else both answer: the
second must not be told apart from the first."""


def may_act_for(viewer: Viewer | None, member_id: str) -> bool:
    """Staff, or the member itself."""
    return viewer is not None and (viewer.is_staff or viewer.member.id == member_id)


async def lock_order_of(work: UnitOfWork, viewer: Viewer, order_id: UUID) -> Order:
    """The order, locked until the unit of work ends, when the viewer may act for its member;
    otherwise NOT_FOUND on `id`, worded alike whether the order is missing or someone else's."""
    order = await work.orders.lock(order_id)
    if order is None or not may_act_for(viewer, order.member_id):
        raise refuse(ProblemCode.NOT_FOUND, NO_ORDER_OF_YOURS, ("id",))
    return order
