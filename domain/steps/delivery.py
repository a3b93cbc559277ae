"""Delivery: register a paid order's parcel with the carrier; cancel it when the order is."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.messages import Consumer, Event, Message
from domain.ports import Carrier, UnitOfWork, UnitOfWorkFactory
from domain.status import CancelReason, DeliveryStatus, OrderStatus
from domain.steps.base import absorbed, cancel_for, order_still_at
from domain.steps.tracking import ParcelReport, apply_parcel_report


async def _cancelled(work: UnitOfWork, tracking_number: str) -> None:
    """Our record of a parcel cancelled with the carrier says so, in its status and events."""
    delivery = await work.deliveries.lock_by_tracking_number(tracking_number)
    if delivery is None or delivery.status is DeliveryStatus.CANCELLED:
        return
    await work.deliveries.set_status(delivery, DeliveryStatus.CANCELLED)
    await work.deliveries.record_event(
        delivery, DeliveryStatus.CANCELLED, "cancelled with the carrier", datetime.now(UTC), None
    )


class DeliverySteps:
    consumer = Consumer.DELIVERY

    def __init__(self, uow: UnitOfWorkFactory, carrier: Carrier) -> None:
        self._uow = uow
        self._carrier = carrier

    async def handle(self, message: Message) -> None:
        if message.name is Event.PAYMENT_APPROVED:
            await self._register(message)
        elif message.name is Event.CARRIER_REPORTED:
            await self._track(message)
        else:
            await self._cancel(message)

    async def _track(self, message: Message) -> None:
        async with self._uow() as work:
            if not await work.inbox.claim(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            await apply_parcel_report(work, ParcelReport.from_payload(message.payload))
            await work.commit()

    async def _register(self, message: Message) -> None:
        order_id = message.order_id
        async with self._uow() as work:
            order = await order_still_at(work, self.consumer, message, OrderStatus.PAID)
            if order is None:
                return
        tracking_number = await self._carrier.register_parcel(
            reference=str(order_id), address=order.shipping_address
        )
        async with self._uow() as work:
            if not await work.inbox.claim(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            order = await work.orders.lock(order_id)
            assert order is not None
            if (
                order.status is OrderStatus.PAID
                and await work.deliveries.of_order(order_id) is None
            ):
                delivery = await work.deliveries.add(order_id, self._carrier.name, tracking_number)
                await work.deliveries.record_event(
                    delivery,
                    DeliveryStatus.PREPARING,
                    "registered with the carrier",
                    datetime.now(UTC),
                    None,
                )
                await work.orders.change_status(
                    order, OrderStatus.PREPARING, message=f"parcel {tracking_number} registered"
                )
            elif order.status is OrderStatus.CANCELLED:
                await work.outbox.add(
                    Message(
                        Event.DELIVERY_CANCEL_DUE, order_id, {"trackingNumber": tracking_number}
                    )
                )
            await work.commit()

    async def _cancel(self, message: Message) -> None:
        order_id = message.order_id
        tracking_number = message.payload.get("trackingNumber")
        async with self._uow() as work:
            if await work.inbox.seen(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            delivery = await work.deliveries.of_order(order_id)
        if delivery is not None and delivery.tracking_number:
            tracking_number = delivery.tracking_number
        if isinstance(tracking_number, str):
            await self._carrier.cancel_parcel(tracking_number=tracking_number)
        async with self._uow() as work:
            if not await work.inbox.claim(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            if delivery is not None and delivery.tracking_number:
                await _cancelled(work, delivery.tracking_number)
            await work.commit()

    async def give_up(self, message: Message, error: str) -> bool:
        if message.name is not Event.PAYMENT_APPROVED:
            return False  # a parcel to stop, or its tracking to record: never abandoned
        async with self._uow() as work:
            order = await work.orders.lock(message.order_id)
            await cancel_for(
                work, order, CancelReason.DELIVERY_FAILED, f"the carrier could not take it: {error}"
            )
            await work.commit()
        return True
