"""The contract's enums and its `Address` are the domain's own, registered with strawberry under
their names.

Registering rather than copying means the two can never drift apart.
"""

import strawberry

from domain.order import Address
from domain.points import PointsReason
from domain.status import CancelReason, DeliveryStatus, OrderStatus, PaymentStatus

strawberry.enum(OrderStatus, name="OrderStatus")
strawberry.enum(CancelReason, name="CancelReason")
strawberry.enum(PaymentStatus, name="PaymentStatus")
strawberry.enum(DeliveryStatus, name="DeliveryStatus")
strawberry.enum(PointsReason, name="PointsReason")
strawberry.type(Address, name="Address")

OrderStatusEnum = OrderStatus
CancelReasonEnum = CancelReason
PaymentStatusEnum = PaymentStatus
DeliveryStatusEnum = DeliveryStatus
PointsReasonEnum = PointsReason
AddressType = Address
