"""Refusals of a mutation: raised as the domain's `Refused`, answered as the payload's errors."""

from __future__ import annotations

from domain.member import Viewer
from domain.problems import Problem, ProblemCode, Refused
from resolvers.common.context import Context


def signed_in(context: Context, *, staff: bool = False) -> Viewer:
    viewer = context.viewer
    if viewer is None:
        raise Refused([Problem(ProblemCode.UNAUTHENTICATED, "sign in: this needs a bearer token")])
    if staff and not viewer.is_staff:
        raise Refused([Problem(ProblemCode.FORBIDDEN, "this needs a staff token")])
    return viewer


def invalid(field: tuple[str, ...], message: str) -> Refused:
    return Refused([Problem(ProblemCode.INVALID_INPUT, message, field)])
