"""배송지 변경 over the API: build the command, call the use case, answer the order."""

from __future__ import annotations

from domain.address_change import change_delivery_address
from domain.commands import ChangeDeliveryAddress
from domain.order import Address, Order
from resolvers.common.context import Context
from resolvers.orders.mutations import input_order_key


async def resolve_change_delivery_address(
    context: Context, order_id: str, address: Address
) -> Order:
    viewer = context.require_viewer()
    key = input_order_key(order_id)
    changed = await change_delivery_address(
        ChangeDeliveryAddress(viewer, key, address), context.uow
    )
    context.loaders.order.prime(key, changed)
    return changed
