"""One way a mutation refuses: its resolver raises the domain's `Refused`, and the payload
answers it as `errors` (as Saleor's `BaseMutation` does), never as a GraphQL error."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from domain.problems import Refused
from schema.common.errors import UserError

Params = ParamSpec("Params")
Payload = TypeVar("Payload")


def refusals_as_errors(
    payload: Callable[..., Payload], *, under: tuple[str, ...] = ()
) -> Callable[[Callable[Params, Awaitable[Payload]]], Callable[Params, Awaitable[Payload]]]:
    """The mutation's `Refused` becomes `payload(errors=…)`, each error's field path under
    `under` (("input",) where the fields at fault are the input's)."""

    def decorate(
        mutation: Callable[Params, Awaitable[Payload]],
    ) -> Callable[Params, Awaitable[Payload]]:
        @functools.wraps(mutation)
        async def answered(*args: Params.args, **kwargs: Params.kwargs) -> Payload:
            try:
                return await mutation(*args, **kwargs)
            except Refused as refused:
                return payload(errors=UserError.from_refusal(refused, under))

        return answered

    return decorate
