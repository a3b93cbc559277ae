"""반품 over the API: `requestReturn`, within the return period of a delivered order."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.order_return import ReturnReason
from resolvers.common.context import Context
from resolvers.orders.mutations import resolve_request_return
from schema.common.errors import UserError
from schema.orders.inputs import OrderLineInput
from schema.orders.types import OrderType


@strawberry.type
class RequestReturnPayload:
    order: OrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def request_return(
    info: Info[Context, None],
    id: strawberry.ID,
    lines: list[OrderLineInput],
    reason: ReturnReason,
    idempotency_key: str | None = None,
) -> RequestReturnPayload:
    order = await resolve_request_return(
        info.context,
        id,
        OrderLineInput.pairs(lines),
        reason,
        idempotency_key,
    )
    return RequestReturnPayload(order=OrderType.from_domain(order))
