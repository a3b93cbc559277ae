"""The soak: the fault suite's harness for longer, every fault in turn, and the tally.

    .venv/bin/python -m bench.soak [--orders 1200] [--per-second 10]

It runs the service as separate processes (API, relay, three workers) against the machine's
PostgreSQL (a database `orders_soak` of its own), Redis and RabbitMQ (prefixes `orders-soak`),
drives a steady stream of mixed orders through the API, and while it runs: SIGKILLs a worker
every few seconds, kills the relay between publishing and marking, makes the payment gateway
slow and then unavailable, stops Redis, restarts RabbitMQ and restarts PostgreSQL, restoring
each. At the end it prints the tally over every order placed: lost (not finished by the
deadline), double effects, duplicates absorbed. It restarts the machine's services: do not run
it while tests run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import asyncpg

from bootstrap import build_services
from infrastructure.database.migrate import upgrade_to_head
from infrastructure.messaging.topology import Names
from infrastructure.settings import load_settings
from tests.faults import services as machine
from tests.faults.cluster import Cluster
from tests.faults.stream import OrderStream
from tests.faults.tally import drain_and_tally
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.rabbit import delete_topology

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "orders_soak"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
WORKERS = ("stock", "payment", "delivery")


async def _fresh_database() -> str:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE
    await asyncio.to_thread(upgrade_to_head, url)
    return url


async def _forecast(weather: Path, state: dict[str, object] | None) -> None:
    """Set how the simulated gateway is doing (None: fine)."""
    if state is None:
        await asyncio.to_thread(weather.unlink, missing_ok=True)
    else:
        await asyncio.to_thread(weather.write_text, json.dumps(state))


async def _faults(cluster: Cluster, weather: Path, marker: Path, stop: asyncio.Event) -> int:
    """Inject every fault in turn, over and over, until the stream ends; how many."""
    injected = 0
    step = 0
    while not stop.is_set():
        await asyncio.sleep(3)  # pacing the faults through the stream
        step += 1
        cluster.kill(WORKERS[step % 3])
        injected += 1
        phase = step % 12
        if phase == 2:
            await asyncio.to_thread(marker.unlink, missing_ok=True)
            await cluster.restart_with(
                "relay", ORDERS_CRASH_AT="after_publish", ORDERS_CRASH_MARKER=str(marker)
            )
        elif phase == 4:
            await cluster.restart_with("relay")
            await _forecast(weather, {"delay_seconds": 2.0})
        elif phase == 5:
            await _forecast(weather, {"unavailable": True})
        elif phase == 6:
            await _forecast(weather, None)
            await machine.stop_redis()
        elif phase == 7:
            await machine.start_redis()
            await machine.stop_rabbitmq()
            await machine.start_rabbitmq()
        elif phase == 9:
            await machine.stop_postgresql()
            await asyncio.sleep(2)  # down for a while
            await machine.start_postgresql()
        injected += phase in (2, 4, 5, 6, 7, 9)
    return injected


async def soak(orders: int, per_second: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="orders-soak-"))
    settings = load_settings(
        database_url=await _fresh_database(),
        redis_url="redis://127.0.0.1:6379/0",
        amqp_url=AMQP_URL,
        amqp_prefix="orders-soak",
        cache_prefix="orders-soak",
        retry_delays=(0.5, 1.0, 2.0, 4.0, 8.0),
        consumer_check_seconds=2.0,
        gateway_timeout_seconds=1.0,
        simulated_gateway_weather=str(workdir / "weather.json"),
        rate_limit_points=10_000_000,
        jwt_secret="soak-" + "s" * 40,
    )
    services = build_services(settings)
    books = [await create_product(services.engine, available=100_000) for _ in range(8)]
    scarce = await create_product(services.engine, available=0)
    cluster = Cluster(settings, workdir)
    await cluster.start()
    stream = OrderStream(
        cluster.url,
        token_for(settings.effective_jwt_secret, random_member_id()),
        books,
        scarce,
        orders=orders,
        per_second=per_second,
    )
    stop = asyncio.Event()
    started = time.monotonic()
    faults = asyncio.create_task(
        _faults(cluster, workdir / "weather.json", workdir / "crashed", stop)
    )
    try:
        await stream.run()
    finally:
        stop.set()
        injected = await faults
        await machine.start_redis()
        await machine.start_rabbitmq()
        await machine.start_postgresql()
        await _forecast(workdir / "weather.json", None)
        await cluster.restart_with("relay")
    initial = {**dict.fromkeys(books, 100_000), scarce: 0}
    tally = await drain_and_tally(services, stream.placed, initial, cluster.logs())
    await cluster.stop()
    await services.close()
    await delete_topology(AMQP_URL, Names(settings.amqp_prefix), settings.retry_delays)
    print(  # noqa: T201
        f"soak: {orders} orders at {per_second}/s over {time.monotonic() - started:.0f}s, "
        f"{injected} faults injected (worker kills {sum(cluster.kills.values())}), "
        f"{tally}, unanswered {stream.unanswered}, logs in {workdir}"
    )
    for line in tally.lost[:20] + tally.double_effects[:20]:
        print("  ", line)  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1200)
    parser.add_argument("--per-second", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(soak(args.orders, args.per_second))


if __name__ == "__main__":
    main()
