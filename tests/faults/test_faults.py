"""Nothing lost: an order whose placeOrder answered ends shipping or cancelled-and-compensated,
whatever crashes in between; and nothing happens twice. Each test injects one fault into a
steady stream of orders and takes the tally (see tally.py)."""

from __future__ import annotations

import asyncio
import json

from tests.faults import services
from tests.faults.conftest import FaultRun
from tests.faults.tally import Tally
from tests.support.waiting import eventually

WORKERS = ("stock", "payment", "delivery")


def _clean(tally: Tally) -> None:
    assert tally.lost == [], tally
    assert tally.double_effects == [], tally


async def test_workers_killed_again_and_again(fault_run: FaultRun) -> None:
    streaming = asyncio.create_task(fault_run.stream.run())
    for i in range(18):
        await asyncio.sleep(0.8)  # pacing the faults through the stream
        fault_run.cluster.kill(WORKERS[i % 3])
    await streaming

    assert all(fault_run.cluster.kills[w] >= 5 for w in WORKERS)
    _clean(await fault_run.tally())


async def test_gateway_slow_then_down_then_back(fault_run: FaultRun) -> None:
    streaming = asyncio.create_task(fault_run.stream.run())
    await asyncio.sleep(3)
    fault_run.weather.write_text(json.dumps({"delay_seconds": 2.0}))  # slower than the timeout
    await asyncio.sleep(2)
    fault_run.weather.write_text(json.dumps({"unavailable": True}))
    await asyncio.sleep(2)
    fault_run.weather.unlink()
    await streaming

    tally = await fault_run.tally()
    _clean(tally)
    assert "did not answer within 1s" in fault_run.cluster.logs()
    # every order the gateway could pay was paid: none gave up on it
    assert "PAYMENT_FAILED" not in await _cancel_reasons(fault_run)


async def _cancel_reasons(fault_run: FaultRun) -> set[str]:
    orders = await fault_run.services.store.orders_by_ids(
        [p.order_id for p in fault_run.stream.placed]
    )
    return {o.cancel_reason.value for o in orders if o.cancel_reason is not None}


async def test_the_relay_killed_after_publishing_before_marking(fault_run: FaultRun) -> None:
    marker = fault_run.weather.with_name("relay-crashed")
    await fault_run.cluster.restart_with(
        "relay", ORDERS_CRASH_AT="after_publish", ORDERS_CRASH_MARKER=str(marker)
    )
    streaming = asyncio.create_task(fault_run.stream.run())
    crashes = 0

    async def crashed() -> int:
        """Counts a crash by the marker it left, and removes it so the restarted relay crashes
        again: each crash leaves its batch unpublished, so there is always a next batch, even
        once the stream has placed its last order (on a loaded machine the supervisor's
        restarts can take longer than the whole stream)."""
        nonlocal crashes
        if marker.exists():
            crashes += 1
            marker.unlink()
        return crashes

    await eventually(crashed, lambda count: count >= 3, within=120, what="three relay crashes")
    await streaming
    await fault_run.cluster.restart_with("relay")

    tally = await fault_run.tally()
    _clean(tally)
    assert tally.duplicates_absorbed > 0  # what was published twice was handled once


async def test_rabbitmq_restarted_during_the_stream(fault_run: FaultRun) -> None:
    streaming = asyncio.create_task(fault_run.stream.run())
    await asyncio.sleep(4)
    try:
        await services.stop_rabbitmq()
    finally:
        await services.start_rabbitmq()
    await streaming

    _clean(await fault_run.tally())


async def test_postgresql_restarted_during_the_stream(fault_run: FaultRun) -> None:
    streaming = asyncio.create_task(fault_run.stream.run())
    await asyncio.sleep(4)
    try:
        await services.stop_postgresql()
        await asyncio.sleep(2)  # down for a while, the stream going on
    finally:
        await services.start_postgresql()
    await streaming

    _clean(await fault_run.tally())
    assert fault_run.stream.retried_requests > 0  # the API answered errors while it was down


async def test_redis_down_costs_nothing_but_speed(fault_run: FaultRun) -> None:
    try:
        await services.stop_redis()
        await fault_run.stream.run()
    finally:
        await services.start_redis()

    assert fault_run.stream.retried_requests == 0
    _clean(await fault_run.tally())
    assert "rate limiter call failed, letting requests through unmetered" in (
        fault_run.cluster.logs()
    )


async def test_orders_placed_while_rabbitmq_is_down_flow_once_it_is_back(
    fault_run: FaultRun,
) -> None:
    fault_run.stream.orders = 40
    try:
        await services.stop_rabbitmq()
        await fault_run.stream.run()  # every order is answered: the outbox holds the messages
        orders = await fault_run.services.store.orders_by_ids(
            [p.order_id for p in fault_run.stream.placed]
        )
        assert {o.status.value for o in orders} <= {"PENDING", "CANCELLED"}
    finally:
        await services.start_rabbitmq()

    assert fault_run.stream.unanswered == 0
    assert len(fault_run.stream.placed) == 40
    _clean(await fault_run.tally())
