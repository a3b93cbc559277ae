"""An event a consumer has no step for is refused with the real unit of work and adapters:
nothing claimed, nothing refunded or cancelled (the payment step once took any such event for
a refund, the delivery step for a parcel to cancel, and the stock step skipped it)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bootstrap import Services
from domain.messages import Consumer, Event, Message
from domain.status import DeliveryStatus, OrderStatus, PaymentStatus
from domain.steps.routing import SUBSCRIPTIONS
from domain.steps.table import UnhandledEvent
from infrastructure.database.tables import (
    delivery_table,
    order_table,
    payment_table,
    processed_message_table,
)
from tests.support.factories import create_member, create_order, create_product


@pytest.mark.parametrize(
    ("consumer", "event"),
    [(c, e) for c in Consumer for e in Event if e not in SUBSCRIPTIONS[c]],
)
async def test_an_event_a_consumer_does_not_handle_changes_nothing(
    services: Services, consumer: Consumer, event: Event
) -> None:
    member_id = await create_member(services.engine)
    product_id = await create_product(services.engine)
    order = await create_order(services.engine, member_id=member_id, product_ids=[product_id])

    message = Message(event, order.id)

    with pytest.raises(UnhandledEvent):
        await services.steps(consumer).handle(message)

    async with services.engine.connect() as conn:
        claimed = await conn.scalar(
            select(func.count()).where(processed_message_table.c.message_id == message.id)
        )
        found = (
            await conn.execute(
                select(order_table.c.status, payment_table.c.status, delivery_table.c.status)
                .join(payment_table, payment_table.c.order_id == order_table.c.id)
                .join(delivery_table, delivery_table.c.order_id == order_table.c.id)
                .where(order_table.c.id == order.id)
            )
        ).one()
    assert claimed == 0
    assert tuple(found) == (
        OrderStatus.PREPARING.value,
        PaymentStatus.APPROVED.value,
        DeliveryStatus.PICKED_UP.value,
    )
