"""A partial cancellation (부분취소) while the workers that carry it crash at its worst moments:
the payment worker SIGKILLed after the gateway gave the part back and before it committed, the
stock worker after it committed the copies back and before its ack. Once each is restarted the
card's part was refunded once and the copies went back once.

The two workers are real processes on queue names of this module's own; the relay and the
delivery worker run in the test's process (two processes to start, not a cluster of six: the
machine these run on is shared)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from bootstrap import Services
from domain.catalogue import StockLevel
from domain.commands import CancelOrderLines, OrderLine
from domain.partial_cancellation import cancel_order_lines
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

isolated = isolated_fixture("partial", carrier=False)


async def test_workers_killed_mid_partial_cancellation_refund_once_and_restock_once(
    isolated: Services, tmp_path: Path
) -> None:
    services = isolated
    shop = await Shop.opened(services)

    async def paid(order_id: UUID) -> bool:
        return await stock_of(services, shop.other) == StockLevel(available=8, reserved=0)

    placed = await placed_by_workers(
        services,
        tmp_path,
        shop,
        paid,
        "the order paid and its stock committed",
    )
    doomed = await Doomed.started(services, tmp_path)

    after = await cancel_order_lines(
        CancelOrderLines(shop.customer, placed.id, (OrderLine(shop.other, 2),), None),
        services.unit_of_work,
        services.settings.shipping_policy,
    )

    key = f"refund-{placed.id}-part-1"
    assert await doomed.killed() == [
        f"after_refund_part {key}",
        f"before_ack order.lines_cancelled {placed.id}",
    ]
    part = 2 * 15_000  # the factory's books: 15,000 won, no discount; 15,000 left ships free
    payment = await refunded_after_restart(services, tmp_path, placed.id, part)

    assert (after.total.amount, after.shipping_fee) == (placed.total.amount - part, 0)
    assert payment.left.amount == after.total.amount
    # the gateway was called twice with the part's key and gave the money back once
    assert await gateway_entry(services, key) == ("REFUNDED", 2, 0)
    assert await gateway_entry(services, f"charge-{placed.id}") == ("APPROVED", 1, part)
    # the stock worker committed the copies back before it died; its redelivery changed nothing
    assert await stock_of(services, shop.other) == StockLevel(available=10, reserved=0)
    assert await stock_of(services, shop.book) == StockLevel(available=9, reserved=0)
    [order] = await services.store.orders_by_ids([placed.id])
    assert (order.status, order.partial_cancellations) == (OrderStatus.PREPARING, 1)
