"""Who may see and act on what: a member on its own orders, staff on every member's; and the
one sentence each refusal of access says."""

from __future__ import annotations

from domain.member import Viewer
from domain.problems import Problem, ProblemCode

SIGN_IN = Problem(ProblemCode.UNAUTHENTICATED, "sign in: this needs a bearer token")
STAFF_ONLY = Problem(ProblemCode.FORBIDDEN, "this needs a staff token")
NO_ORDER_OF_YOURS = "no order of yours has this id"
"""What an order that does not exist and one that belongs to someone else both answer: the
second must not be told apart from the first."""


def may_act_for(viewer: Viewer | None, member_id: str) -> bool:
    """Staff, or the member itself."""
    return viewer is not None and (viewer.is_staff or viewer.member.id == member_id)
