"""Every committed change an order's reader could see reaches the response cache's consumer
through the outbox, the relay and its own queue on the real RabbitMQ, which drops the cached
answers holding that order (and its member's lists, and staff's)."""

from __future__ import annotations

from functools import partial
from uuid import UUID

from sqlalchemy import select

from bootstrap import Services, build_services
from domain.answers import ALL_ORDERS, order_tag, orders_of, points_of
from domain.messages import Consumer, Event, Message
from domain.money import Money
from domain.points import PointsEntry, PointsReason
from domain.status import PaymentStatus
from infrastructure.database.tables import outbox_table
from infrastructure.settings import Settings, load_settings
from tests.support.factories import create_member, create_order, create_product
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually


async def _an_order(services: Services) -> tuple[UUID, str]:
    member = await create_member(services.engine)
    product = await create_product(services.engine)
    created = await create_order(services.engine, member_id=member, product_ids=[product])
    return created.id, member


async def _messages_about(services: Services, order_id: UUID) -> list[str]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox_table.c.routing_key).where(outbox_table.c.order_id == order_id)
        )
        return [row.routing_key for row in rows]


async def _keep(services: Services, key: str, filed_under: list[str]) -> None:
    looked = await services.responses.lookup(key)
    assert looked is not None
    kept = await services.responses.put(
        key, b'{"data":{}}', max_age=60, tags=filed_under, since=looked.mark
    )
    assert kept


async def _kept(services: Services, key: str) -> bool:
    looked = await services.responses.lookup(key)
    assert looked is not None
    return looked.cached is not None


async def test_a_change_no_message_is_about_writes_order_changed_in_its_transaction(
    services: Services,
) -> None:
    refunded, _ = await _an_order(services)
    async with services.unit_of_work() as work:
        await work.payments.settle(refunded, PaymentStatus.REFUNDED)
        await work.commit()
    assert await _messages_about(services, refunded) == [Event.ORDER_CHANGED.value]

    # a unit that writes a message about the order needs no second one: the cache hears all
    announced, _ = await _an_order(services)
    async with services.unit_of_work() as work:
        await work.payments.settle(announced, PaymentStatus.REFUNDED)
        await work.outbox.add(Message(Event.ORDER_CHANGED, announced, {"said": "already"}))
        await work.commit()
    assert await _messages_about(services, announced) == [Event.ORDER_CHANGED.value]

    # a part of the charge given back (a partial cancellation) is seen on the order too
    partly, _ = await _an_order(services)
    async with services.unit_of_work() as work:
        await work.payments.record_part_refund(partly, Money(3000, "KRW"))
        await work.commit()
    assert await _messages_about(services, partly) == [Event.ORDER_CHANGED.value]

    # a points entry changes its member's points: its order is announced too
    earned, member = await _an_order(services)
    async with services.unit_of_work() as work:
        assert await work.points.add(PointsEntry(member, earned, PointsReason.EARNED, 700))
        await work.commit()
    assert await _messages_about(services, earned) == [Event.ORDER_CHANGED.value]

    # and a unit that rolls back writes nothing
    untouched, _ = await _an_order(services)
    async with services.unit_of_work() as work:
        await work.payments.settle(untouched, PaymentStatus.REFUNDED)
    assert await _messages_about(services, untouched) == []


async def test_a_committed_change_drops_the_answers_holding_its_order(
    services: Services, pipeline: Pipeline
) -> None:
    changed, member = await _an_order(services)
    other, other_member = await _an_order(services)
    await _keep(services, "the order", [order_tag(changed), "product:1"])
    await _keep(services, "its member's list", [orders_of(member)])
    await _keep(services, "its member's points", [points_of(member)])
    await _keep(services, "staff's list", [ALL_ORDERS])
    await _keep(services, "another order", [order_tag(other), orders_of(other_member)])
    await _keep(services, "another member's points", [points_of(other_member)])
    await pipeline.start([Consumer.CACHE], carrier=False)

    async with services.unit_of_work() as work:
        await work.payments.settle(changed, PaymentStatus.REFUNDED)
        await work.commit()

    for key in ("the order", "its member's list", "its member's points", "staff's list"):
        await eventually(partial(_kept, services, key), lambda kept: not kept, what=key)
    assert await _kept(services, "another order")
    assert await _kept(services, "another member's points")


async def test_a_commit_drops_the_answers_holding_its_orders_at_once(settings: Settings) -> None:
    """Where the response cache is on, the committing process drops them itself, right after
    its commit: no relay, no consumer runs here."""
    services = build_services(load_settings(**{**settings.model_dump(), "response_cache": True}))
    try:
        changed, member = await _an_order(services)
        other, other_member = await _an_order(services)
        await _keep(services, "the order", [order_tag(changed)])
        await _keep(services, "its member's list", [orders_of(member)])
        await _keep(services, "another order", [order_tag(other), orders_of(other_member)])
        async with services.unit_of_work() as work:
            await work.payments.settle(changed, PaymentStatus.REFUNDED)
            await work.commit()
        assert not await _kept(services, "the order")
        assert not await _kept(services, "its member's list")
        assert await _kept(services, "another order")
    finally:
        await services.close()
