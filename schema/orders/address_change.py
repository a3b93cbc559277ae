"""배송지 변경: `changeDeliveryAddress`, until the parcel is picked up."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.common.context import Context
from resolvers.orders.address_change import resolve_change_delivery_address
from schema.common.errors import UserError
from schema.orders.inputs import AddressInput
from schema.orders.types import OrderType


@strawberry.type
class ChangeDeliveryAddressPayload:
    order: OrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def change_delivery_address(
    info: Info[Context, None], id: strawberry.ID, address: AddressInput
) -> ChangeDeliveryAddressPayload:
    changed = await resolve_change_delivery_address(info.context, id, address.to_domain())
    return ChangeDeliveryAddressPayload(order=OrderType.from_domain(changed))
