from __future__ import annotations

import uuid
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.delivery import Delivery, DeliveryEvent
from domain.status import DeliveryStatus
from infrastructure.database.mapping import delivery_from_row
from infrastructure.database.tables import delivery_event_table, delivery_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_on_conflict

_del = delivery_table.c


class SqlDeliveryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.changed: set[UUID] = set()
        """Orders whose delivery this unit of work wrote (an order's reader sees it)."""
        self._order_of: dict[UUID, UUID] = {}
        """The order of each delivery this unit of work read or wrote, by delivery id."""

    def _read(self, delivery: Delivery) -> Delivery:
        self._order_of[delivery.id] = delivery.order_id
        return delivery

    async def of_order(self, order_id: UUID) -> Delivery | None:
        row = (
            await self._conn.execute(select(delivery_table).where(_del.order_id == order_id))
        ).first()
        return self._read(delivery_from_row(row)) if row else None

    async def lock_by_tracking_number(self, tracking_number: str) -> Delivery | None:
        stmt = (
            select(delivery_table).where(_del.tracking_number == tracking_number).with_for_update()
        )
        row = (await self._conn.execute(stmt)).first()
        return self._read(delivery_from_row(row)) if row else None

    async def event_seen(self, carrier_event_id: str) -> bool:
        stmt = select(delivery_event_table.c.id).where(
            delivery_event_table.c.carrier_event_id == carrier_event_id
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def add(self, order_id: UUID, carrier: str, tracking_number: str) -> Delivery:
        now = utc_now()
        delivery = Delivery(
            id=uuid.uuid4(),
            order_id=order_id,
            status=DeliveryStatus.PREPARING,
            carrier=carrier,
            tracking_number=tracking_number,
        )
        await self._conn.execute(
            insert(delivery_table).values(
                id=delivery.id,
                order_id=order_id,
                status=delivery.status.value,
                carrier=carrier,
                tracking_number=tracking_number,
                created_at=now,
                updated_at=now,
            )
        )
        self.changed.add(order_id)
        return self._read(delivery)

    async def record_event(self, event: DeliveryEvent, carrier_event_id: str | None) -> bool:
        stmt = insert_on_conflict(self._conn, delivery_event_table).values(
            delivery_id=event.delivery_id,
            status=event.status.value,
            location=event.location,
            scan=event.scan,
            carrier_event_id=carrier_event_id,
            occurred_at=event.occurred_at,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=[delivery_event_table.c.carrier_event_id])
        recorded = bool((await self._conn.execute(stmt)).rowcount == 1)
        if recorded:
            self.changed.add(await self._order_of_delivery(event.delivery_id))
        return recorded

    async def _order_of_delivery(self, delivery_id: UUID) -> UUID:
        """Known when the delivery was read in this unit of work, as the steps do first."""
        if delivery_id not in self._order_of:
            stmt = select(_del.order_id).where(_del.id == delivery_id)
            self._order_of[delivery_id] = (await self._conn.execute(stmt)).scalar_one()
        return self._order_of[delivery_id]

    async def set_status(self, delivery: Delivery, status: DeliveryStatus) -> None:
        await self._conn.execute(
            update(delivery_table)
            .where(_del.id == delivery.id)
            .values(status=status.value, updated_at=utc_now())
        )
        self.changed.add(delivery.order_id)
