"""POST /webhooks/carrier: signed tracking events, accepted once, never moving a parcel back."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from bootstrap import Services
from domain.status import DeliveryStatus, OrderStatus
from infrastructure.database.tables import order_table, outbox_table
from resolvers.common.ids import to_global_id
from tests.support.carrier import carrier_event as _event
from tests.support.carrier import post_carrier_event as _post
from tests.support.factories import (
    create_member,
    create_order,
    create_product,
    random_member_id,
    token_for,
)
from tests.support.graphql import graphql
from tests.support.orders import place_ok, read_order, settled
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually


@pytest.fixture
async def parcel(services: Services) -> tuple[uuid.UUID, str]:
    """An order PREPARING, its parcel PICKED_UP by the carrier already."""
    member = await create_member(services.engine)
    order = await create_order(
        services.engine, member_id=member, product_ids=[await create_product(services.engine)]
    )
    [delivery] = await services.store.deliveries_by_order_ids([order.id])
    assert delivery.tracking_number is not None
    return order.id, delivery.tracking_number


async def test_a_bad_or_missing_signature_is_401(
    client: AsyncClient, services: Services, parcel: tuple[uuid.UUID, str]
) -> None:
    _, tracking = parcel
    event = _event(tracking, "IN_TRANSIT")

    forged = await _post(client, services, event, secret="not-the-secret")
    unsigned = await client.post("/webhooks/carrier", json=event)

    assert forged.status_code == 401
    assert unsigned.status_code == 401


async def test_malformed_events_are_400_and_unknown_parcels_404(
    client: AsyncClient, services: Services, parcel: tuple[uuid.UUID, str]
) -> None:
    _, tracking = parcel

    not_json = await _post(client, services, "x")
    no_status = await _post(client, services, _event(tracking, "LOST"))
    naive_time = await _post(
        client, services, _event(tracking, "IN_TRANSIT", occurredAt="2026-11-24T09:00:00")
    )
    control = await _post(client, services, _event(tracking, "IN_TRANSIT", location="a\x00"))
    unknown = await _post(client, services, _event("000000000000", "IN_TRANSIT"))

    assert [r.status_code for r in (not_json, no_status, naive_time, control)] == [400] * 4
    assert "not a tracking event" in no_status.json()["error"]
    assert unknown.status_code == 404


async def test_values_the_database_cannot_keep_are_400_and_nothing_is_queued(
    client: AsyncClient, services: Services, parcel: tuple[uuid.UUID, str]
) -> None:
    order_id, tracking = parcel

    year_zero = await _post(
        client, services, _event(tracking, "DELIVERED", occurredAt="0001-01-01T00:00:00+14:00")
    )
    year_10000 = await _post(
        client, services, _event(tracking, "DELIVERED", occurredAt="9999-12-31T23:59:59-14:00")
    )
    too_long = await _post(client, services, _event(tracking + "0" * 9, "DELIVERED"))

    assert [r.status_code for r in (year_zero, year_10000, too_long)] == [400] * 3
    assert "occurredAt" in year_zero.json()["error"]
    assert "trackingNumber" in too_long.json()["error"]
    async with services.engine.connect() as conn:
        queued = await conn.execute(
            select(outbox_table.c.routing_key).where(outbox_table.c.order_id == order_id)
        )
    assert queued.scalars().all() == []


async def test_an_event_goes_through_the_outbox_once_and_never_moves_the_parcel_back(
    client: AsyncClient, services: Services, pipeline: Pipeline, parcel: tuple[uuid.UUID, str]
) -> None:
    order_id, tracking = parcel
    await pipeline.start(carrier=False)
    arriving = _event(tracking, "OUT_FOR_DELIVERY", minutes=30)
    stale = _event(tracking, "IN_TRANSIT", minutes=10)

    first = await _post(client, services, arriving)
    async with services.engine.connect() as conn:
        queued = await conn.execute(
            select(outbox_table.c.routing_key).where(outbox_table.c.order_id == order_id)
        )
    assert queued.scalars().all() == ["carrier.reported"]
    await eventually(
        lambda: services.store.deliveries_by_order_ids([order_id]),
        lambda found: found[0].status is DeliveryStatus.OUT_FOR_DELIVERY,
        what="the event applied",
    )
    again = await _post(client, services, arriving)
    older = await _post(client, services, stale)
    [delivery] = await services.store.deliveries_by_order_ids([order_id])
    await eventually(
        lambda: services.store.delivery_events_by_delivery_ids([delivery.id]),
        lambda events: any(e.status is DeliveryStatus.IN_TRANSIT for e in events),
        what="the older event recorded",
    )
    [still] = await services.store.deliveries_by_order_ids([order_id])  # before DELIVERED
    delivered = await _post(client, services, _event(tracking, "DELIVERED", minutes=60))

    assert first.json() == {"accepted": True, "duplicate": False}
    assert again.json() == {"accepted": True, "duplicate": True}
    assert older.json() == {"accepted": True, "duplicate": False}
    assert still.status is DeliveryStatus.OUT_FOR_DELIVERY  # never backwards
    assert delivered.status_code == 200
    await eventually(
        lambda: services.store.orders_by_ids([order_id]),
        lambda orders: orders[0].status is OrderStatus.DELIVERED,
        what="the order delivered",
    )
    history = await services.store.history_by_order_ids([order_id])
    assert [h.status for h in history][-2:] == [OrderStatus.SHIPPED, OrderStatus.DELIVERED]


async def test_a_report_on_the_parcel_of_a_cancelled_order_is_kept_but_moves_nothing(
    client: AsyncClient, services: Services, pipeline: Pipeline
) -> None:
    """Issue #11: a DELIVERED event for the parcel of a cancelled order moved it to DELIVERED."""
    await pipeline.start(carrier=False)
    customer = token_for(services.settings.effective_jwt_secret, random_member_id())
    order_id = await place_ok(client, customer, [(await create_product(services.engine), 1)])
    assert (await settled(services, order_id)).status is OrderStatus.PREPARING
    [parcel] = await services.store.deliveries_by_order_ids([order_id])
    assert parcel.tracking_number is not None
    await graphql(
        client,
        "mutation ($id: ID!) { cancelOrder(id: $id) { order { status } } }",
        {"id": to_global_id("Order", order_id)},
        token=customer,
    )
    await eventually(
        lambda: services.store.deliveries_by_order_ids([order_id]),
        lambda found: found[0].status is DeliveryStatus.CANCELLED,
        what="the parcel cancelled with the carrier",
    )

    delivered = await _post(client, services, _event(parcel.tracking_number, "DELIVERED"))
    events = await eventually(
        lambda: services.store.delivery_events_by_delivery_ids([parcel.id]),
        lambda found: any(e.status is DeliveryStatus.DELIVERED for e in found),
        what="the report recorded",
    )

    assert delivered.status_code == 200
    assert [e.status for e in events] == [
        DeliveryStatus.PREPARING,
        DeliveryStatus.CANCELLED,
        DeliveryStatus.DELIVERED,
    ]
    [still] = await services.store.deliveries_by_order_ids([order_id])
    assert still.status is DeliveryStatus.CANCELLED
    assert (await read_order(services, order_id)).status is OrderStatus.CANCELLED
    async with services.engine.connect() as conn:
        note = await conn.execute(
            select(order_table.c.attention).where(order_table.c.id == order_id)
        )
    assert note.scalar_one() == (
        f"the carrier reported parcel {parcel.tracking_number} DELIVERED after the order was "
        "cancelled"
    )


async def test_a_carrier_cannot_report_a_parcel_cancelled(
    client: AsyncClient, services: Services, parcel: tuple[uuid.UUID, str]
) -> None:
    _, tracking = parcel

    ours = await _post(client, services, _event(tracking, "CANCELLED"))

    assert ours.status_code == 400
    assert "status is one of PREPARING" in ours.json()["error"]
