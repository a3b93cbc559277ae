"""Delivery: register a paid order's parcel with the carrier, cancel it when the order is, and
record what the carrier reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from domain.actions import ReturnPolicy
from domain.delivery import DeliveryEvent
from domain.messages import Consumer, Event, Message
from domain.moves import keep
from domain.order import Address, HistoryEntry, Order
from domain.order_return import ReturnStatus
from domain.ports import Carrier, UnitOfWork, UnitOfWorkFactory
from domain.pricing import ShippingPolicy
from domain.returns import RETURN_COLLECTING, follow_return_parcel
from domain.status import CancelReason, DeliveryStatus, OrderStatus
from domain.steps.base import order_waiting_at
from domain.steps.table import (
    NEVER_ABANDONED,
    AroundOutsideCall,
    CancelTheOrder,
    ConsumerSteps,
    InOneTransaction,
    Reach,
    Step,
    StepTable,
)
from domain.steps.tracking import ParcelReport, apply_parcel_report

REGISTERED = "registered with the carrier"
CANCELLED_WITH_CARRIER = "cancelled with the carrier"
READDRESSED = "address changed with the carrier: "
"""What the parcel's own events (not the carrier's scans) say, where a scan has its place:
the timeline (`domain/timeline.py`) words them for a customer by these."""


async def _decide_register(work: UnitOfWork, message: Message) -> Order | None:
    return await order_waiting_at(work, message, OrderStatus.PAID)


@dataclass(frozen=True, slots=True)
class _Registered:
    """The carrier's answer to a registration: who took the parcel, under which number, and
    the address it was given."""

    carrier: str
    tracking_number: str
    address: Address


async def _register(reach: Reach[Carrier], order: Order) -> _Registered:
    tracking_number = await reach.outside.register_parcel(
        reference=str(order.id), address=order.shipping_address
    )
    return _Registered(reach.outside.name, tracking_number, order.shipping_address)


async def _apply_register(work: UnitOfWork, paid: Order, parcel: _Registered) -> None:
    order = await work.orders.lock(paid.id)
    assert order is not None
    if order.status is OrderStatus.PAID and await work.deliveries.of_order(order.id) is None:
        delivery = await work.deliveries.add(order.id, parcel.carrier, parcel.tracking_number)
        await work.deliveries.record_event(
            DeliveryEvent(
                delivery.id,
                DeliveryStatus.PREPARING,
                REGISTERED,
                datetime.now(UTC),
            ),
            None,
        )
        await keep(
            work,
            order.move_to(OrderStatus.PREPARING, f"parcel {parcel.tracking_number} registered"),
        )
        if order.shipping_address != parcel.address:  # changed while the carrier registered
            await work.outbox.add(Message(Event.ORDER_ADDRESS_CHANGED, order.id))
    elif order.status is OrderStatus.CANCELLED:
        await work.outbox.add(
            Message(Event.DELIVERY_CANCEL_DUE, order.id, {"trackingNumber": parcel.tracking_number})
        )


@dataclass(frozen=True, slots=True)
class _ToCancel:
    """A parcel the carrier must stop."""

    tracking_number: str
    ours: bool
    """Whether we keep a delivery record of it (a parcel registered for an order cancelled
    meanwhile has none: only the message its race left knows its number)."""


async def _decide_cancel(work: UnitOfWork, message: Message) -> _ToCancel | None:
    """The parcel to cancel: ours, or the one a race with a cancellation left us the number
    of; None when the order has none."""
    delivery = await work.deliveries.of_order(message.order_id)
    if delivery is not None and delivery.tracking_number:
        return _ToCancel(delivery.tracking_number, ours=True)
    tracking_number = message.payload.get("trackingNumber")
    if isinstance(tracking_number, str):
        return _ToCancel(tracking_number, ours=False)
    return None


async def _cancel(reach: Reach[Carrier], parcel: _ToCancel) -> None:
    await reach.outside.cancel_parcel(tracking_number=parcel.tracking_number)


async def _apply_cancel(work: UnitOfWork, parcel: _ToCancel, _: None) -> None:
    """Our record of a parcel cancelled with the carrier says so, in its status and events."""
    if not parcel.ours:
        return
    delivery = await work.deliveries.lock_by_tracking_number(parcel.tracking_number)
    if delivery is None or delivery.status is DeliveryStatus.CANCELLED:
        return
    await work.deliveries.set_status(delivery, DeliveryStatus.CANCELLED)
    await work.deliveries.record_event(
        DeliveryEvent(
            delivery.id, DeliveryStatus.CANCELLED, CANCELLED_WITH_CARRIER, datetime.now(UTC)
        ),
        None,
    )


@dataclass(frozen=True, slots=True)
class _Readdress:
    """A registered parcel to deliver elsewhere: the order's address as it is now."""

    tracking_number: str
    address: Address


async def _decide_readdress(work: UnitOfWork, message: Message) -> _Readdress | None:
    """The parcel and the order's address now (a later change sends its own message, and
    the address read here is the latest either way); None with no parcel yet (it will be
    registered with this address) or a cancelled one."""
    delivery = await work.deliveries.of_order(message.order_id)
    order = await work.orders.lock(message.order_id)
    if delivery is None or not delivery.tracking_number or order is None:
        return None
    if delivery.status is DeliveryStatus.CANCELLED:
        return None
    return _Readdress(delivery.tracking_number, order.shipping_address)


async def _readdress(reach: Reach[Carrier], parcel: _Readdress) -> bool:
    return await reach.outside.change_address(
        tracking_number=parcel.tracking_number, address=parcel.address
    )


async def _apply_readdress(work: UnitOfWork, parcel: _Readdress, changed: bool) -> None:
    """The parcel's tracking says the carrier has the new address; a carrier that picked the
    parcel up before it heard of it marks the order for an operator, who must redirect it."""
    delivery = await work.deliveries.lock_by_tracking_number(parcel.tracking_number)
    if delivery is None:
        return
    if not changed:
        await work.orders.needs_attention(
            delivery.order_id,
            f"the carrier picked parcel {parcel.tracking_number} up before it learned the new "
            f"address ({parcel.address.zip_code} {parcel.address.line1}): redirect it",
        )
        return
    await work.deliveries.record_event(
        DeliveryEvent(
            delivery.id,
            delivery.status,
            f"{READDRESSED}({parcel.address.zip_code})",
            datetime.now(UTC),
        ),
        None,
    )


@dataclass(frozen=True, slots=True)
class _ReturnPickup:
    """A return parcel to register: picked up at the order's address."""

    order_id: UUID
    number: int
    address: Address

    @property
    def reference(self) -> str:
        return f"return-{self.order_id}-{self.number}"


async def _decide_return_pickup(work: UnitOfWork, message: Message) -> _ReturnPickup | None:
    number = int(message.payload["return"])
    found = await work.returns.lock(message.order_id, number)
    order = await work.orders.lock(message.order_id)
    if found is None or order is None or found.status is not ReturnStatus.REQUESTED:
        return None
    return _ReturnPickup(order.id, number, order.shipping_address)


async def _register_return(reach: Reach[Carrier], pickup: _ReturnPickup) -> str:
    return await reach.outside.register_return(reference=pickup.reference, address=pickup.address)


async def _apply_return_pickup(
    work: UnitOfWork, pickup: _ReturnPickup, tracking_number: str
) -> None:
    found = await work.returns.lock(pickup.order_id, pickup.number)
    order = await work.orders.lock(pickup.order_id)
    if found is None or order is None or found.status is not ReturnStatus.REQUESTED:
        return
    await work.returns.registered(found, tracking_number)
    await work.orders.record_note(
        order.id,
        HistoryEntry(
            order.status,
            f"{RETURN_COLLECTING}return {pickup.number}, parcel {tracking_number}",
            datetime.now(UTC),
        ),
    )


def delivery_table(shipping: ShippingPolicy, returns: ReturnPolicy) -> StepTable[Carrier]:
    """The delivery consumer's steps; what a return gives back, once its parcel is back,
    follows these policies. A parcel to stop, to deliver elsewhere or to fetch back, or its
    tracking to record, is never abandoned."""

    async def track(work: UnitOfWork, message: Message) -> None:
        report = ParcelReport.from_payload(message.payload)
        if not await follow_return_parcel(work, report, shipping, returns):
            await apply_parcel_report(work, report)

    return StepTable(
        Consumer.DELIVERY,
        {
            Event.PAYMENT_APPROVED: Step(
                AroundOutsideCall(
                    _decide_register,
                    _register,
                    _apply_register,
                    locks_order=True,
                    decide_writes=False,
                ),
                CancelTheOrder(CancelReason.DELIVERY_FAILED, "the carrier could not take it"),
            ),
            Event.ORDER_CANCELLED: Step(_CANCEL, NEVER_ABANDONED),
            Event.DELIVERY_CANCEL_DUE: Step(_CANCEL, NEVER_ABANDONED),
            Event.ORDER_ADDRESS_CHANGED: Step(
                AroundOutsideCall(_decide_readdress, _readdress, _apply_readdress),
                NEVER_ABANDONED,
            ),
            Event.RETURN_REQUESTED: Step(
                AroundOutsideCall(_decide_return_pickup, _register_return, _apply_return_pickup),
                NEVER_ABANDONED,
            ),
            Event.CARRIER_REPORTED: Step(InOneTransaction(track), NEVER_ABANDONED),
        },
    )


_CANCEL = AroundOutsideCall(_decide_cancel, _cancel, _apply_cancel, decide_writes=False)

DELIVERY = delivery_table(ShippingPolicy(), ReturnPolicy())
"""The table with the default policies: what routing reads (its events)."""


class DeliverySteps(ConsumerSteps[Carrier]):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        carrier: Carrier,
        reads: UnitOfWorkFactory | None = None,
        shipping: ShippingPolicy | None = None,
        returns: ReturnPolicy | None = None,
    ) -> None:
        super().__init__(
            delivery_table(shipping or ShippingPolicy(), returns or ReturnPolicy()),
            uow,
            carrier,
            reads,
        )
