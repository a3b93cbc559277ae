"""The payment step's decisions, against in-memory fakes: charge, decline, refund, void, and
each race with a cancellation."""

from __future__ import annotations

import pytest

from domain.messages import Consumer, Event, Message
from domain.order import Order
from domain.ports import ChargeResult, TransientFault
from domain.status import CancelReason, OrderStatus, PaymentStatus
from domain.steps.payment import PaymentSteps
from tests.unit.fakes import FakeDatabase, FakeGateway, an_order, cancelled_by_its_customer, handled

DECLINED = ChargeResult(approved=False, decline_reason="card declined")
STOPPED = ChargeResult(approved=False, decline_reason="voided by a refund", voided=True)


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    return database


def _reserved(database: FakeDatabase) -> Order:
    return an_order(database, [(1, 2)], status=OrderStatus.STOCK_RESERVED)


def _payment(database: FakeDatabase, order: Order) -> tuple[PaymentStatus, int, str | None]:
    payment = database.tables.payments[order.id]
    return payment.status, payment.attempts, database.tables.payment_errors.get(order.id)


async def _charge_failed(database: FakeDatabase, order: Order) -> tuple[PaymentSteps, Message]:
    """The order's charge failed once (the gateway down): its steps and message, to give up."""
    steps = PaymentSteps(database.unit_of_work, FakeGateway(TransientFault("down")))
    message = Message(Event.STOCK_RESERVED, order.id)
    with pytest.raises(TransientFault):
        await steps.handle(message)
    return steps, message


async def test_an_approved_charge_pays_the_order(database: FakeDatabase) -> None:
    order = _reserved(database)
    gateway = FakeGateway()

    await handled(PaymentSteps(database.unit_of_work, gateway), Event.STOCK_RESERVED, order)

    assert database.order(order.id).status is OrderStatus.PAID
    assert database.tables.history[order.id][-1].message == "paid (tx-1)"
    assert gateway.charges == [f"charge-{order.id}"]
    assert _payment(database, order) == (PaymentStatus.APPROVED, 1, None)
    assert database.tables.payments[order.id].transaction_id == "tx-1"
    assert database.sent() == [(Event.PAYMENT_APPROVED, order.id)]


async def test_a_declined_card_cancels_the_order(database: FakeDatabase) -> None:
    order = _reserved(database)

    await handled(
        PaymentSteps(database.unit_of_work, FakeGateway(DECLINED)), Event.STOCK_RESERVED, order
    )

    cancelled = database.order(order.id)
    assert cancelled.cancel_reason is CancelReason.PAYMENT_DECLINED
    assert database.tables.history[order.id][-1].message == "payment declined: card declined"
    assert _payment(database, order) == (PaymentStatus.DECLINED, 1, "card declined")
    assert database.sent() == [(Event.ORDER_CANCELLED, order.id)]


async def test_a_gateway_down_is_a_fault_retried_later_with_the_attempt_counted(
    database: FakeDatabase,
) -> None:
    order = _reserved(database)
    steps = PaymentSteps(
        database.unit_of_work, FakeGateway(TransientFault("gateway unavailable"), DECLINED)
    )
    message = Message(Event.STOCK_RESERVED, order.id)

    with pytest.raises(TransientFault):
        await steps.handle(message)
    assert _payment(database, order) == (PaymentStatus.PENDING, 1, "gateway unavailable")
    assert (Consumer.PAYMENT, message.id) not in database.tables.inbox

    await steps.handle(message)  # the retry
    assert _payment(database, order) == (PaymentStatus.DECLINED, 2, "card declined")


async def test_an_order_cancelled_before_its_charge_is_not_charged(
    database: FakeDatabase,
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)
    gateway = FakeGateway()

    message = await handled(
        PaymentSteps(database.unit_of_work, gateway), Event.STOCK_RESERVED, order
    )

    assert gateway.charges == []
    assert order.id not in database.tables.payments
    assert (Consumer.PAYMENT, message.id) in database.tables.inbox  # done with


async def test_a_charge_that_lands_on_an_order_cancelled_meanwhile_is_refunded(
    database: FakeDatabase,
) -> None:
    order = _reserved(database)
    gateway = FakeGateway()
    gateway.while_charging = lambda: cancelled_by_its_customer(database, order)
    steps = PaymentSteps(database.unit_of_work, gateway)

    await handled(steps, Event.STOCK_RESERVED, order)

    assert database.order(order.id).status is OrderStatus.CANCELLED
    assert _payment(database, order)[0] is PaymentStatus.APPROVED
    assert database.sent() == [
        (Event.ORDER_CANCELLED, order.id),
        (Event.PAYMENT_REFUND_DUE, order.id),
    ]

    await steps.handle(database.tables.outbox[-1])
    assert gateway.refunds == [f"refund-{order.id}"]
    assert _payment(database, order)[0] is PaymentStatus.REFUNDED


async def test_a_charge_stopped_by_the_refund_of_a_cancelled_order_is_void(
    database: FakeDatabase,
) -> None:
    order = _reserved(database)

    await handled(
        PaymentSteps(database.unit_of_work, FakeGateway(STOPPED)), Event.STOCK_RESERVED, order
    )

    assert _payment(database, order)[0] is PaymentStatus.VOIDED


@pytest.mark.parametrize(
    ("status", "money_back", "refunded", "then"),
    [
        (PaymentStatus.APPROVED, True, True, PaymentStatus.REFUNDED),
        (PaymentStatus.PENDING, True, True, PaymentStatus.REFUNDED),
        (PaymentStatus.PENDING, False, True, PaymentStatus.VOIDED),
        (PaymentStatus.FAILED, False, True, PaymentStatus.FAILED),
        (PaymentStatus.DECLINED, False, False, PaymentStatus.DECLINED),
        (PaymentStatus.REFUNDED, False, False, PaymentStatus.REFUNDED),
    ],
)
async def test_a_cancelled_order_is_refunded_whenever_money_may_have_been_taken(
    database: FakeDatabase,
    status: PaymentStatus,
    money_back: bool,
    refunded: bool,
    then: PaymentStatus,
) -> None:
    order = _reserved(database)
    async with database.unit_of_work() as work:
        await work.payments.record_attempt(order.id, order.total)
        await work.payments.settle(order.id, status)
        await work.commit()
    gateway = FakeGateway(refunds=money_back)

    await handled(PaymentSteps(database.unit_of_work, gateway), Event.ORDER_CANCELLED, order)

    assert gateway.refunds == ([f"refund-{order.id}"] if refunded else [])
    assert _payment(database, order)[0] is then


async def test_an_order_never_charged_needs_no_refund(database: FakeDatabase) -> None:
    order = _reserved(database)
    gateway = FakeGateway()

    message = await handled(
        PaymentSteps(database.unit_of_work, gateway), Event.ORDER_CANCELLED, order
    )

    assert gateway.refunds == []
    assert (Consumer.PAYMENT, message.id) in database.tables.inbox


async def test_a_message_handled_twice_charges_once_and_refunds_once(
    database: FakeDatabase,
) -> None:
    order = _reserved(database)
    gateway = FakeGateway()
    steps = PaymentSteps(database.unit_of_work, gateway)
    charge = Message(Event.STOCK_RESERVED, order.id)
    refund = Message(Event.ORDER_CANCELLED, order.id)

    for message in (charge, charge, refund, refund):
        await steps.handle(message)

    assert gateway.charges == [f"charge-{order.id}"]
    assert gateway.refunds == [f"refund-{order.id}"]
    assert database.sent() == [(Event.PAYMENT_APPROVED, order.id)]


async def test_giving_up_on_a_charge_fails_the_payment_and_cancels_the_order(
    database: FakeDatabase,
) -> None:
    order = _reserved(database)
    steps, message = await _charge_failed(database, order)

    parked = await steps.give_up(message, "TransientFault: down")

    assert parked
    assert database.order(order.id).cancel_reason is CancelReason.PAYMENT_FAILED
    assert database.tables.history[order.id][-1].message == "payment failed: TransientFault: down"
    assert _payment(database, order) == (PaymentStatus.FAILED, 1, "TransientFault: down")
    assert database.sent() == [(Event.ORDER_CANCELLED, order.id)]


async def test_giving_up_on_the_charge_of_an_order_cancelled_meanwhile_leaves_its_payment(
    database: FakeDatabase,
) -> None:
    order = _reserved(database)
    steps, message = await _charge_failed(database, order)
    await cancelled_by_its_customer(database, order)

    assert await steps.give_up(message, "TransientFault: down")

    assert database.order(order.id).cancel_reason is CancelReason.CUSTOMER_REQUEST
    assert _payment(database, order)[0] is PaymentStatus.PENDING  # the refund settles it
    assert database.sent() == [(Event.ORDER_CANCELLED, order.id)]


@pytest.mark.parametrize("event", [Event.ORDER_CANCELLED, Event.PAYMENT_REFUND_DUE])
async def test_a_refund_is_never_abandoned(database: FakeDatabase, event: Event) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)

    parked = await PaymentSteps(database.unit_of_work, FakeGateway()).give_up(
        Message(event, order.id), "down"
    )

    assert not parked
    assert database.commits == 0
