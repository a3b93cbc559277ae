"""A return (반품) while the workers that carry it crash at its worst moments: the payment worker
SIGKILLed after the gateway gave the return's part back and before it committed, the stock
worker after it committed the copies back and before its ack. Once each is restarted the card's
part (less the return fee) was refunded once and the copies went back once.

Modelled on test_partial_cancellation.py: the two workers are real processes on queue names of
this module's own; the relay, the delivery worker and the carrier's clock (which delivers the
order, then picks the return parcel up and brings it back) run in the test's process."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from bootstrap import Services
from domain.catalogue import StockLevel
from domain.commands import OrderLine, RequestReturn
from domain.order_return import ReturnReason
from domain.returns import request_return
from domain.status import OrderStatus
from tests.faults.part_workers import (
    Doomed,
    Shop,
    gateway_entry,
    isolated_fixture,
    placed_by_workers,
    refunded_after_restart,
    stock_of,
)
from tests.support.orders import read_order

isolated = isolated_fixture("returns", carrier=True)


async def test_workers_killed_mid_return_refund_once_and_restock_once(
    isolated: Services, tmp_path: Path
) -> None:
    services = isolated
    shop = await Shop.opened(services)

    async def delivered(order_id: UUID) -> bool:
        return (await read_order(services, order_id)).status is OrderStatus.DELIVERED

    placed = await placed_by_workers(
        services,
        tmp_path,
        shop,
        delivered,
        "the order delivered",
    )
    doomed = await Doomed.started(services, tmp_path)

    await request_return(
        RequestReturn(
            shop.customer, placed.id, (OrderLine(shop.other, 2),), ReturnReason.CHANGE_OF_MIND
        ),
        services.unit_of_work,
        services.settings.return_policy,
        datetime.now(UTC),
    )

    key = f"refund-{placed.id}-part-1"
    assert await doomed.killed() == [
        f"after_refund_part {key}",
        f"before_ack return.received {placed.id}",
    ]
    # the factory's books: 15,000 won, no discount; the 15,000 kept still ships free
    part = 2 * 15_000 - services.settings.return_fee
    await refunded_after_restart(services, tmp_path, placed.id, part)

    # the gateway was called twice with the part's key and gave the money back once
    assert await gateway_entry(services, key) == ("REFUNDED", 2, 0)
    assert await gateway_entry(services, f"charge-{placed.id}") == ("APPROVED", 1, part)
    # the stock worker committed the copies back before it died; its redelivery changed nothing
    assert await stock_of(services, shop.other) == StockLevel(available=10, reserved=0)
    assert await stock_of(services, shop.book) == StockLevel(available=9, reserved=0)
    [order] = await services.store.orders_by_ids([placed.id])
    assert (order.status, order.partial_cancellations) == (OrderStatus.DELIVERED, 1)
    assert order.total.amount == 15_000 + services.settings.return_fee
