"""The shipping fee as the service charges it (its settings), so that a page can say what a basket
would pay and how much more would make it ship free without a copy of the settings."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.money import Money
from resolvers.common.context import Context
from schema.common.types import MoneyType


@strawberry.type(name="ShippingPolicy")
class ShippingPolicyType:
    free_shipping_threshold: MoneyType = strawberry.field(
        description="An order whose lines come to at least this at their sale prices ships free "
        "(ORDERS_FREE_SHIPPING_THRESHOLD)."
    )
    fee: MoneyType = strawberry.field(
        description="The shipping fee of an order below the threshold (ORDERS_SHIPPING_FEE)."
    )


def shipping_policy(info: Info[Context, None]) -> ShippingPolicyType:
    policy = info.context.shipping
    return ShippingPolicyType(
        free_shipping_threshold=MoneyType.from_domain(Money(policy.threshold)),
        fee=MoneyType.from_domain(Money(policy.fee)),
    )
