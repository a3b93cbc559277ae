"""Faults at the scale of `make cluster`: two API processes behind HAProxy, two workers of each
kind, two relays and the carrier, under a stream of orders with idempotency keys that clients
send again when they get no answer. Nothing lost, nothing placed twice, nothing done twice, and
the subscribers on the API process that stays up see every status."""

from __future__ import annotations

import asyncio

from domain.messages import Consumer
from tests.faults import services
from tests.faults.at_scale import ScaleRun, services_lock

PACE_SECONDS = 1.5
"""Between two faults, so that each lands on a stream in full flow."""


async def test_every_role_killed_once_and_rabbitmq_restarted_under_a_stream(
    scale_run: ScaleRun,
) -> None:
    cluster = scale_run.cluster
    streaming = asyncio.create_task(scale_run.stream.run())
    await asyncio.sleep(3)  # the stream under way
    cluster.kill("api-1")
    await cluster.until_in_rotation(["api-1"], up=False)  # the balancer took it out
    for name in ("stock-1", "payment-1", "delivery-1", "relay-1"):
        await asyncio.sleep(PACE_SECONDS)
        cluster.kill(name)
    async with services_lock():
        try:
            await services.stop_rabbitmq()
        finally:
            await services.start_rabbitmq()
    await streaming

    tally = await scale_run.tally()
    tally.assert_clean()
    killed = ("api-1", "stock-1", "payment-1", "delivery-1", "relay-1")
    assert all(cluster.restarts.get(name, 0) >= 1 for name in killed), cluster.restarts
    assert tally.watched >= 10
    assert tally.watchers_reconnected == 0  # their API process stayed up


async def test_a_rolling_restart_of_every_process_under_load_loses_nothing(
    scale_run: ScaleRun,
) -> None:
    """The processes roll in waves, as a deployment rolls each replicated role: the first
    replica of every role and the carrier together, then the second of every role. Each gets
    SIGTERM, drains, stops and is started again (the API processes leave the balancer's
    rotation first), and a wave ends when all of its processes are ready again: the clients
    never need to send a request again, no message is handled twice, because none was left
    unacknowledged, and subscribers whose socket closed with 1012 reconnect and miss no
    status."""
    scale_run.watchers.url = scale_run.cluster.url  # through the balancer: any process may go
    stream = scale_run.stream
    stream.orders = 10_000  # until the rolling restart is over
    stream.per_second = 4
    stream.stop_placing = asyncio.Event()
    streaming = asyncio.create_task(stream.run())
    await asyncio.sleep(2)
    exit_codes = await scale_run.cluster.rolling_restart()
    stream.stop_placing.set()
    await streaming

    tally = await scale_run.tally()
    tally.assert_clean()
    assert tally.retried == 0
    assert tally.duplicates_absorbed == 0
    graceful = {name: code in (0, -15) for name, code in exit_codes.items()}
    assert all(graceful.values()), exit_codes
    # two API processes, two workers of each kind, two relays and the carrier
    assert len(exit_codes) == 2 + 2 * len(Consumer) + 2 + 1
