"""Payment: charge a reserved order through the gateway, refund a cancelled one."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from domain.messages import Consumer, Event, Message
from domain.ports import ChargeResult, PaymentGateway, TransientFault, UnitOfWorkFactory
from domain.status import CancelReason, OrderStatus, PaymentStatus
from domain.steps.base import absorbed, cancel_for, order_still_at

_MAYBE_CHARGED = (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.FAILED)
"""A payment in these may have money taken at the gateway: PENDING is a charge called and not
answered to us (in flight, or answered after we stopped waiting, while its retry found the order
cancelled and never called again)."""


def charge_key(order_id: UUID) -> str:
    return f"charge-{order_id}"


def refund_key(order_id: UUID) -> str:
    return f"refund-{order_id}"


class PaymentSteps:
    consumer = Consumer.PAYMENT

    def __init__(self, uow: UnitOfWorkFactory, gateway: PaymentGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def handle(self, message: Message) -> None:
        if message.name is Event.STOCK_RESERVED:
            await self._charge(message)
        else:
            await self._refund(message)

    async def _charge(self, message: Message) -> None:
        order_id = message.order_id
        async with self._uow() as work:
            order = await order_still_at(work, self.consumer, message, OrderStatus.STOCK_RESERVED)
            if order is None:
                return
            await work.payments.record_attempt(order_id, order.total)
            await work.commit()
        try:
            result = await self._gateway.charge(
                idempotency_key=charge_key(order_id), amount=order.total, token=order.payment_token
            )
        except TransientFault as fault:
            async with self._uow() as work:
                await work.payments.record_error(order_id, str(fault))
                await work.commit()
            raise
        await self._apply_charge(message, result)

    async def _apply_charge(self, message: Message, result: ChargeResult) -> None:
        order_id = message.order_id
        async with self._uow() as work:
            if not await work.inbox.claim(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            order = await work.orders.lock(order_id)
            assert order is not None
            if result.approved:
                await work.payments.settle(
                    order_id,
                    PaymentStatus.APPROVED,
                    transaction_id=result.transaction_id,
                    approved_at=datetime.now(UTC),
                )
                if order.status is OrderStatus.STOCK_RESERVED:
                    await work.orders.change_status(
                        order, OrderStatus.PAID, message=f"paid ({result.transaction_id})"
                    )
                    await work.outbox.add(Message(Event.PAYMENT_APPROVED, order_id))
                else:  # cancelled while the gateway was charging: give the money back
                    await work.outbox.add(Message(Event.PAYMENT_REFUND_DUE, order_id))
            else:
                reason = result.decline_reason or "declined"
                # voided: a refund for a cancelled order stopped the charge before it took money
                settled = PaymentStatus.VOIDED if result.voided else PaymentStatus.DECLINED
                await work.payments.settle(order_id, settled, error=reason)
                await cancel_for(
                    work, order, CancelReason.PAYMENT_DECLINED, f"payment declined: {reason}"
                )
            await work.commit()

    async def _refund(self, message: Message) -> None:
        order_id = message.order_id
        async with self._uow() as work:
            if await work.inbox.seen(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            payment = await work.payments.lock(order_id)
            if payment is None or payment.status not in _MAYBE_CHARGED:
                # never charged, declined, or refunded already
                await work.inbox.claim(self.consumer, message.id)
                await work.commit()
                return
        # APPROVED: refund. PENDING or FAILED: the gateway may have charged, may still be
        # charging, or may not have started: the refund gives the money back, or voids the
        # charge so that it never takes it (a charge that then lands here is declined).
        refunded = await self._gateway.refund(
            idempotency_key=refund_key(order_id),
            charge_key=charge_key(order_id),
            amount=payment.amount,
        )
        async with self._uow() as work:
            if not await work.inbox.claim(self.consumer, message.id):
                absorbed(self.consumer, message)
                return
            if refunded:
                await work.payments.settle(order_id, PaymentStatus.REFUNDED)
            elif payment.status is PaymentStatus.PENDING:
                # no money was taken, and the charge can take none now: it is void
                await work.payments.settle(order_id, PaymentStatus.VOIDED)
            await work.commit()

    async def give_up(self, message: Message, error: str) -> bool:
        if message.name is not Event.STOCK_RESERVED:
            return False  # a refund is owed: never abandoned
        async with self._uow() as work:
            order = await work.orders.lock(message.order_id)
            if await cancel_for(
                work, order, CancelReason.PAYMENT_FAILED, f"payment failed: {error}"
            ):
                await work.payments.settle(message.order_id, PaymentStatus.FAILED, error=error)
            await work.commit()
        return True
