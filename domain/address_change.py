"""배송지 변경: a customer delivers an order elsewhere, until its parcel is picked up. One
transaction keeps the new address, its history entry and an `order.address_changed` message;
the delivery step then tells the carrier, when a parcel is registered already (docs/SAGA.md).
A parcel registered meanwhile with the old address is told too (`domain/steps/delivery.py`)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from domain.access import lock_order_of
from domain.actions import Situation, can_change_address
from domain.commands import ChangeDeliveryAddress
from domain.messages import Event, Message
from domain.order import Address, HistoryEntry, Order
from domain.ports import UnitOfWorkFactory
from domain.validation import check_change_address

ADDRESS_CHANGED = "delivery address changed: "
"""How the history's entry of an address change begins (the timeline words it by this)."""


async def change_delivery_address(command: ChangeDeliveryAddress, uow: UnitOfWorkFactory) -> Order:
    """The order with its new address; `Refused` once the parcel is picked up. The same
    address again changes nothing."""
    check_change_address(command)
    address = command.address.stripped()
    async with uow() as work:
        order = await lock_order_of(work, command.viewer, command.order_id)
        if not (allowed := can_change_address(Situation(order.status))).possible:
            raise allowed.refusal()
        if address == order.shipping_address:
            return order
        now = datetime.now(UTC)
        changed = dataclasses.replace(order, shipping_address=address, updated_at=now)
        await work.orders.record_address_changed(
            changed, HistoryEntry(order.status, address_changed(address), now)
        )
        await work.outbox.add(Message(Event.ORDER_ADDRESS_CHANGED, order.id))
        await work.commit()
    return changed


def address_changed(address: Address) -> str:
    """The history's entry: where the order goes now."""
    second = f" {address.line2}" if address.line2 else ""
    return f"{ADDRESS_CHANGED}{address.recipient}, ({address.zip_code}) {address.line1}{second}"
