"""Payment: charge a reserved order through the gateway, refund a cancelled one, and refund
the card's part of a partial cancellation or a return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from domain.messages import Consumer, Event, Message
from domain.money import Money
from domain.moves import cancel_for, keep
from domain.order import Order
from domain.payment import Payment
from domain.ports import ChargeResult, PaymentGateway, TransientFault, UnitOfWork, UnitOfWorkFactory
from domain.status import CancelReason, OrderStatus, PaymentStatus
from domain.steps.base import order_waiting_at
from domain.steps.table import (
    NEVER_ABANDONED,
    AroundOutsideCall,
    CancelTheOrder,
    ConsumerSteps,
    Reach,
    Step,
    StepTable,
)

_MAYBE_CHARGED = (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.FAILED)
"""A payment in these may have money taken at the gateway: PENDING is a charge called and not
answered to us (in flight, or answered after we stopped waiting, while its retry found the order
cancelled and never called again)."""


def charge_key(order_id: UUID) -> str:
    return f"charge-{order_id}"


def refund_key(order_id: UUID) -> str:
    return f"refund-{order_id}"


def part_refund_key(order_id: UUID, part: int) -> str:
    """The key of the order's part number `part` (a partial cancellation, a return): a
    repeated refund of it refunds once."""
    return f"refund-{order_id}-part-{part}"


@dataclass(frozen=True, slots=True)
class PartRefund:
    order_id: UUID
    part: int
    amount: Money


def card_amount(order: Order) -> Money:
    """What the card pays: the amount due less the points spent."""
    return Money(order.money.card, order.total.currency)


async def _decide_charge(work: UnitOfWork, message: Message) -> Order | None:
    order = await order_waiting_at(work, message, OrderStatus.STOCK_RESERVED)
    if order is None:
        return None
    if not order.money.card:  # points pay it all: no card payment, no call to the gateway
        await keep(work, order.move_to(OrderStatus.PAID, f"paid with {order.points_used} points"))
        return None
    await work.payments.record_attempt(order.id, card_amount(order))
    return order


async def _charge(reach: Reach[PaymentGateway], order: Order) -> ChargeResult:
    try:
        return await reach.outside.charge(
            idempotency_key=charge_key(order.id),
            amount=card_amount(order),
            token=order.payment_token,
        )
    except TransientFault as fault:
        async with reach.uow() as work:
            await work.payments.record_error(order.id, str(fault))
            await work.commit()
        raise


async def _apply_charge(work: UnitOfWork, charged: Order, result: ChargeResult) -> None:
    order = await work.orders.lock(charged.id)
    assert order is not None
    if result.approved:
        await work.payments.approve(order.id, result.transaction_id, datetime.now(UTC))
        if order.status is OrderStatus.STOCK_RESERVED:
            await keep(work, order.move_to(OrderStatus.PAID, f"paid ({result.transaction_id})"))
        else:  # cancelled while the gateway was charging: give the money back
            await work.outbox.add(Message(Event.PAYMENT_REFUND_DUE, order.id))
        return
    reason = result.decline_reason or "declined"
    # voided: a refund for a cancelled order stopped the charge before it took money
    settled = PaymentStatus.VOIDED if result.voided else PaymentStatus.DECLINED
    await work.payments.settle(order.id, settled, reason)
    await cancel_for(work, order, CancelReason.PAYMENT_DECLINED, f"payment declined: {reason}")


async def _decide_refund(work: UnitOfWork, message: Message) -> Payment | None:
    payment = await work.payments.lock(message.order_id)
    if payment is None or payment.status not in _MAYBE_CHARGED:
        return None  # never charged, declined, or refunded already
    order = await work.orders.lock(message.order_id)
    owed_by_parts = payment.amount.amount - card_amount(order).amount if order else 0
    if payment.refunded < owed_by_parts:
        # the order's parts (partial cancellations, returns) gave back more of the card than
        # the payment has recorded: a part's refund is still on its way (its message taken at
        # the same time as this one), and what is left would count it again
        raise TransientFault(
            f"a partial refund of order {payment.order_id} is not settled yet: "
            f"{payment.refunded} of {owed_by_parts} won recorded"
        )
    return payment


async def _refund(reach: Reach[PaymentGateway], payment: Payment) -> bool:
    # APPROVED: refund. PENDING or FAILED: the gateway may have charged, may still be
    # charging, or may not have started: the refund gives the money back, or voids the
    # charge so that it never takes it (a charge that then lands here is declined).
    return await reach.outside.refund(
        idempotency_key=refund_key(payment.order_id),
        charge_key=charge_key(payment.order_id),
        amount=payment.left,
    )


async def _apply_refund(work: UnitOfWork, payment: Payment, refunded: bool) -> None:
    if refunded:
        await work.payments.settle(payment.order_id, PaymentStatus.REFUNDED)
    elif payment.status is PaymentStatus.PENDING:
        # no money was taken, and the charge can take none now: it is void
        await work.payments.settle(payment.order_id, PaymentStatus.VOIDED)


async def _decide_part_refund(work: UnitOfWork, message: Message) -> PartRefund | None:
    card = int(message.payload["card"])
    if not card:
        return None  # the points, or the fee kept, cover what was cancelled
    payment = await work.payments.lock(message.order_id)
    if payment is None or payment.status is not PaymentStatus.APPROVED:
        return None  # refunded whole since (what the charge held went back with it)
    return PartRefund(message.order_id, int(message.payload["part"]), Money(card))


async def _refund_part(reach: Reach[PaymentGateway], refund: PartRefund) -> bool:
    return await reach.outside.refund_part(
        idempotency_key=part_refund_key(refund.order_id, refund.part),
        charge_key=charge_key(refund.order_id),
        amount=refund.amount,
    )


async def _apply_part_refund(work: UnitOfWork, refund: PartRefund, given: bool) -> None:
    if given:
        await work.payments.record_part_refund(refund.order_id, refund.amount)
        return
    payment = await work.payments.lock(refund.order_id)
    if payment is not None and payment.status is PaymentStatus.APPROVED:
        # the gateway holds the charge and refused the part: nothing we can retry into a yes
        await work.orders.needs_attention(
            refund.order_id,
            f"the gateway refused partial refund {refund.part} of {refund.amount.amount} won",
        )


async def _charge_failed(work: UnitOfWork, message: Message, error: str) -> None:
    await work.payments.settle(message.order_id, PaymentStatus.FAILED, error)


_REFUND = AroundOutsideCall(_decide_refund, _refund, _apply_refund, decide_writes=False)
_PART_REFUND = AroundOutsideCall(
    _decide_part_refund, _refund_part, _apply_part_refund, decide_writes=False
)
"""A partial cancellation's part, or a return's: both are numbered parts of the order."""

PAYMENT: StepTable[PaymentGateway] = StepTable(
    Consumer.PAYMENT,
    {
        Event.STOCK_RESERVED: Step(
            AroundOutsideCall(_decide_charge, _charge, _apply_charge, locks_order=True),
            CancelTheOrder(CancelReason.PAYMENT_FAILED, "payment failed", also=_charge_failed),
        ),
        Event.ORDER_CANCELLED: Step(_REFUND, NEVER_ABANDONED),
        Event.PAYMENT_REFUND_DUE: Step(_REFUND, NEVER_ABANDONED),
        Event.ORDER_LINES_CANCELLED: Step(_PART_REFUND, NEVER_ABANDONED),
        Event.RETURN_RECEIVED: Step(_PART_REFUND, NEVER_ABANDONED),
    },
)


class PaymentSteps(ConsumerSteps[PaymentGateway]):
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        reads: UnitOfWorkFactory | None = None,
    ) -> None:
        super().__init__(PAYMENT, uow, gateway, reads)
