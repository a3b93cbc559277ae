"""One way a mutation refuses: its resolver (or its permissions) raises the domain's `Refused`,
and the payload answers it as `errors` (as Saleor's `BaseMutation` does), never as a GraphQL
error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from domain.problems import Refused
from schema.common.errors import UserError


class RefusalsAsErrors(FieldExtension):
    """The field's `Refused` becomes its payload type with `errors` (each error's field path
    under `under`: ("input",) where the fields at fault are the input's)."""

    def __init__(self, *, under: tuple[str, ...] = ()) -> None:
        self._under = under
        self._payload: Callable[..., Any] | None = None

    def apply(self, field: StrawberryField) -> None:
        payload = field.type
        if not isinstance(payload, type):
            raise TypeError(f"{field.python_name}: RefusalsAsErrors needs a payload type")
        self._payload = payload

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except Refused as refused:
            assert self._payload is not None, "applied to its field before it resolves"
            return self._payload(errors=UserError.from_refusal(refused, self._under))


def answered_in_payload(
    *permissions: type[BasePermission], under: tuple[str, ...] = ()
) -> list[FieldExtension]:
    """A mutation's extensions: its permissions, declared, and `RefusalsAsErrors` around them,
    so that a refused permission is answered in the payload too. (Strawberry runs a field's
    last extension outermost, and puts `permission_classes` last: hence the list.)"""
    return [
        PermissionExtension([permission() for permission in permissions], use_directives=False),
        RefusalsAsErrors(under=under),
    ]
