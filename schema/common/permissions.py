"""Declarative permissions of the fields that need a signed-in member or staff (strawberry's
`BasePermission`). A refusal is the domain's `Refused`, so a mutation answers it in its payload
(`schema.common.payloads.answered_in_payload`), as every other refusal."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from domain.access import SIGN_IN, STAFF_ONLY
from domain.problems import Problem, Refused
from resolvers.common.context import Context


class _Refusing(BasePermission):
    refusal: Problem

    def on_unauthorized(self) -> None:
        raise Refused([self.refusal])


class IsSignedIn(_Refusing):
    refusal = SIGN_IN
    message = SIGN_IN.message

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        return info.context.viewer is not None


class IsStaff(_Refusing):
    """After `IsSignedIn`: a member without the staff role."""

    refusal = STAFF_ONLY
    message = STAFF_ONLY.message

    def has_permission(self, source: Any, info: Info[Context, None], **kwargs: Any) -> bool:
        viewer = info.context.viewer
        return viewer is not None and viewer.is_staff


STAFF = (IsSignedIn, IsStaff)
"""The permissions of a staff-only field, in the order they refuse."""
