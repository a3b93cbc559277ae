"""The delivery step's decisions, against in-memory fakes: register the parcel, cancel it,
record what the carrier reports, and each race with a cancellation or an address change."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from domain.address_change import change_delivery_address
from domain.commands import ChangeDeliveryAddress
from domain.messages import Consumer, Event, Message
from domain.order import Order
from domain.ports import TransientFault
from domain.status import CancelReason, DeliveryStatus, OrderStatus
from domain.steps.delivery import DeliverySteps
from domain.steps.tracking import ParcelReport
from tests.unit.fakes import (
    ADDRESS,
    CUSTOMER,
    FakeCarrier,
    FakeDatabase,
    an_order,
    cancelled_by_its_customer,
    handled,
)

NUMBER = "100000000001"
"""The first tracking number the fake carrier gives."""


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    return database


def _paid(database: FakeDatabase) -> Order:
    return an_order(database, [(1, 1)], status=OrderStatus.PAID)


def _parcel(database: FakeDatabase, order: Order) -> tuple[DeliveryStatus, list[str | None]]:
    delivery = database.tables.deliveries[order.id]
    events = [e.location for e, _ in database.tables.tracking if e.delivery_id == delivery.id]
    return delivery.status, events


def _report(status: DeliveryStatus, event_id: str, minute: int = 0) -> dict[str, object]:
    return ParcelReport(
        NUMBER, status, "서울 허브", datetime(2026, 11, 24, 3, minute, tzinfo=UTC), event_id
    ).to_payload()


async def _registered(database: FakeDatabase, carrier: FakeCarrier | None = None) -> Order:
    order = _paid(database)
    await handled(
        DeliverySteps(database.unit_of_work, carrier or FakeCarrier()),
        Event.PAYMENT_APPROVED,
        order,
    )
    return order


async def _registered_then_cancelled(
    database: FakeDatabase,
) -> tuple[Order, FakeCarrier, DeliverySteps]:
    """An order whose parcel was registered, then cancelled by its customer: the order, its
    carrier, and the steps that will hear of the cancellation."""
    carrier = FakeCarrier()
    order = await _registered(database, carrier)
    await cancelled_by_its_customer(database, order)
    return order, carrier, DeliverySteps(database.unit_of_work, carrier)


async def test_a_paid_order_gets_its_parcel_registered_and_is_preparing(
    database: FakeDatabase,
) -> None:
    carrier = FakeCarrier()

    order = await _registered(database, carrier)

    assert database.order(order.id).status is OrderStatus.PREPARING
    assert database.tables.history[order.id][-1].message == f"parcel {NUMBER} registered"
    assert carrier.registered == [str(order.id)]
    delivery = database.tables.deliveries[order.id]
    assert (delivery.carrier, delivery.tracking_number) == ("fake-carrier", NUMBER)
    assert _parcel(database, order) == (DeliveryStatus.PREPARING, ["registered with the carrier"])
    assert database.tables.outbox == []  # nobody waits for PREPARING


async def test_a_carrier_down_is_a_fault_retried_later(database: FakeDatabase) -> None:
    order = _paid(database)
    steps = DeliverySteps(database.unit_of_work, FakeCarrier(down_for=1))
    message = Message(Event.PAYMENT_APPROVED, order.id)

    with pytest.raises(TransientFault):
        await steps.handle(message)
    assert (Consumer.DELIVERY, message.id) not in database.tables.inbox

    await steps.handle(message)
    assert database.order(order.id).status is OrderStatus.PREPARING


async def test_an_order_cancelled_before_its_parcel_is_registered_gets_none(
    database: FakeDatabase,
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)
    carrier = FakeCarrier()

    await handled(DeliverySteps(database.unit_of_work, carrier), Event.PAYMENT_APPROVED, order)

    assert carrier.registered == []
    assert database.tables.deliveries == {}


async def test_a_parcel_registered_for_an_order_cancelled_meanwhile_is_cancelled(
    database: FakeDatabase,
) -> None:
    order = _paid(database)
    carrier = FakeCarrier()
    carrier.while_registering = lambda: cancelled_by_its_customer(database, order)
    steps = DeliverySteps(database.unit_of_work, carrier)

    await handled(steps, Event.PAYMENT_APPROVED, order)

    assert database.order(order.id).status is OrderStatus.CANCELLED
    assert database.tables.deliveries == {}
    cancel_due = database.tables.outbox[-1]
    assert (cancel_due.name, cancel_due.payload) == (
        Event.DELIVERY_CANCEL_DUE,
        {"trackingNumber": NUMBER},
    )

    await steps.handle(cancel_due)
    assert carrier.cancelled == [NUMBER]


async def test_an_address_changed_while_the_parcel_was_registered_reaches_the_carrier(
    database: FakeDatabase,
) -> None:
    order = _paid(database)
    carrier = FakeCarrier()
    steps = DeliverySteps(database.unit_of_work, carrier)
    elsewhere = dataclasses.replace(ADDRESS, recipient="이서연", line1="테헤란로 152")

    async def changed_meanwhile() -> None:
        """The customer changes the address, and the delivery step hears of it before the
        parcel it is registering is kept: there is no parcel to tell yet."""
        await change_delivery_address(
            ChangeDeliveryAddress(CUSTOMER, order.id, elsewhere), database.unit_of_work
        )
        await steps.handle(database.tables.outbox[-1])

    carrier.while_registering = changed_meanwhile
    await handled(steps, Event.PAYMENT_APPROVED, order)

    assert carrier.readdressed == []
    told = database.tables.outbox[-1]
    assert (told.name, told.order_id) == (Event.ORDER_ADDRESS_CHANGED, order.id)
    await steps.handle(told)
    assert carrier.readdressed == [(NUMBER, elsewhere)]


async def test_the_parcel_of_a_cancelled_order_is_cancelled_and_says_so(
    database: FakeDatabase,
) -> None:
    order, carrier, steps = await _registered_then_cancelled(database)

    cancelled = await handled(steps, Event.ORDER_CANCELLED, order)
    await steps.handle(cancelled)  # a duplicate

    assert carrier.cancelled == [NUMBER]
    assert _parcel(database, order) == (
        DeliveryStatus.CANCELLED,
        ["registered with the carrier", "cancelled with the carrier"],
    )


async def test_an_order_cancelled_with_no_parcel_asks_the_carrier_nothing(
    database: FakeDatabase,
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)
    carrier = FakeCarrier()

    message = await handled(
        DeliverySteps(database.unit_of_work, carrier), Event.ORDER_CANCELLED, order
    )

    assert carrier.cancelled == []
    assert (Consumer.DELIVERY, message.id) in database.tables.inbox


async def test_a_registration_handled_twice_registers_once(database: FakeDatabase) -> None:
    order = _paid(database)
    carrier = FakeCarrier()
    steps = DeliverySteps(database.unit_of_work, carrier)

    message = await handled(steps, Event.PAYMENT_APPROVED, order)
    await steps.handle(message)

    assert carrier.registered == [str(order.id)]
    assert [e.status for e in database.tables.history[order.id]].count(OrderStatus.PREPARING) == 1


async def test_giving_up_on_a_registration_cancels_the_order(database: FakeDatabase) -> None:
    order = _paid(database)

    parked = await DeliverySteps(database.unit_of_work, FakeCarrier()).give_up(
        Message(Event.PAYMENT_APPROVED, order.id), "TransientFault: carrier down"
    )

    assert parked
    assert database.order(order.id).cancel_reason is CancelReason.DELIVERY_FAILED
    assert database.tables.history[order.id][-1].message == (
        "the carrier could not take it: TransientFault: carrier down"
    )
    assert database.sent() == [(Event.ORDER_CANCELLED, order.id)]


@pytest.mark.parametrize(
    "event", [Event.ORDER_CANCELLED, Event.DELIVERY_CANCEL_DUE, Event.CARRIER_REPORTED]
)
async def test_stopping_a_parcel_or_recording_its_tracking_is_never_abandoned(
    database: FakeDatabase, event: Event
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)

    parked = await DeliverySteps(database.unit_of_work, FakeCarrier()).give_up(
        Message(event, order.id), "down"
    )

    assert not parked
    assert database.commits == 0


async def test_the_carriers_reports_move_the_parcel_and_the_order_forward_only(
    database: FakeDatabase,
) -> None:
    order = await _registered(database)
    steps = DeliverySteps(database.unit_of_work, FakeCarrier())

    for status, event_id, minute in [
        (DeliveryStatus.IN_TRANSIT, "e-2", 2),
        (DeliveryStatus.PICKED_UP, "e-1", 1),  # late: kept, moves nothing back
        (DeliveryStatus.IN_TRANSIT, "e-2", 2),  # the same report again
    ]:
        await handled(steps, Event.CARRIER_REPORTED, order, _report(status, event_id, minute))

    assert _parcel(database, order) == (
        DeliveryStatus.IN_TRANSIT,
        ["registered with the carrier", "서울 허브", "서울 허브"],
    )
    assert [(e.status, e.message) for e in database.tables.history[order.id][-1:]] == [
        (OrderStatus.SHIPPED, "parcel in transit")
    ]

    await handled(steps, Event.CARRIER_REPORTED, order, _report(DeliveryStatus.DELIVERED, "e-3", 3))
    assert database.order(order.id).status is OrderStatus.DELIVERED


async def test_a_report_about_the_parcel_of_a_cancelled_order_is_kept_and_moves_nothing(
    database: FakeDatabase,
) -> None:
    order, _, steps = await _registered_then_cancelled(database)
    await handled(steps, Event.ORDER_CANCELLED, order)

    await handled(steps, Event.CARRIER_REPORTED, order, _report(DeliveryStatus.PICKED_UP, "e-1"))

    assert database.order(order.id).status is OrderStatus.CANCELLED
    assert _parcel(database, order) == (
        DeliveryStatus.CANCELLED,
        ["registered with the carrier", "cancelled with the carrier", "서울 허브"],
    )
    assert database.tables.attention[order.id] == (
        f"the carrier reported parcel {NUMBER} PICKED_UP after the order was cancelled"
    )
