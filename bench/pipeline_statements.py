"""How many SQL statements and transactions our relay and workers spend carrying one order from
placed to PREPARING, its stock committed: a count, not a time, so it does not depend on the
machine.

    .venv/bin/python -m bench.pipeline_statements [--orders 20]

It runs the relay and the three workers in this process on the bench's database and RabbitMQ
names (the carrier is not started), feeds orders one at a time as `bench.pipeline` does, counts
what reaches the engine between feeding an order and its settling, and removes the orders at
the end. docs/BENCHMARKS.md quotes its output.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections import Counter
from typing import Any
from uuid import UUID

from sqlalchemy import event

from bench.environment import in_process_settings
from bench.queries import SHIPPING_ADDRESS
from bench.raw_orders import place_order
from bench.services import add_scratch_members, connect, forget_scratch_orders
from bootstrap import Background, build_services
from domain.messages import Consumer
from infrastructure.database.driver_reads import every_statement

SETTLE_WITHIN_SECONDS = 30.0
_VERB = re.compile(r"\s*(\w+)")


class Tally:
    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.transactions = 0

    def sent(self, statement: str) -> None:
        """Each statement, also one the read store sends through asyncpg itself (an order's
        member, which the response cache's drops ask for: `driver_reads.py`)."""
        verb = _VERB.match(statement)
        self.statements[verb.group(1).upper() if verb else "?"] += 1

    def begin(self, conn: Any) -> None:
        """A BEGIN … COMMIT; an auto-committed statement sends neither."""
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            self.transactions += 1


async def _settled(order_id: UUID) -> bool:
    """PREPARING (or cancelled), and every reserved line committed or released."""
    async with connect() as conn:
        status = await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id)
        held = await conn.fetchval(
            "SELECT count(*) FROM stock_reservation WHERE order_id = $1 AND status = 'RESERVED'",
            order_id,
        )
    return status in ("PREPARING", "CANCELLED") and held == 0


async def count(orders: int) -> None:
    # woken by NOTIFY only, so idle polls do not count
    settings = in_process_settings("count", relay_poll_seconds=3600)
    services = build_services(settings)
    async with connect() as conn:
        [member] = await add_scratch_members(conn, "count", 1)
    background = Background(services)
    await background.start(list(Consumer), relay=True, carrier=False)
    tally = Tally()
    engine = services.engine.sync_engine
    event.listen(engine, "begin", tally.begin)
    try:
        with every_statement(services.engine, tally.sent):
            for n in range(orders):
                lines = [(1 + n, 1), (300 + n, 1), (600 + n, 1)]
                async with connect() as conn:
                    placed = await place_order(conn, member, lines, SHIPPING_ADDRESS)
                deadline = time.monotonic() + SETTLE_WITHIN_SECONDS
                while not await _settled(placed.id):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"order {placed.id} did not settle")
                    await asyncio.sleep(0.05)
    finally:
        event.remove(engine, "begin", tally.begin)
        await background.shutdown()
        async with connect() as conn:
            await forget_scratch_orders(conn)
        await services.close()
    per_order = {verb: round(n / orders, 1) for verb, n in tally.statements.most_common()}
    total = sum(tally.statements.values()) / orders
    print(  # noqa: T201
        f"{orders} orders, placed -> PREPARING with stock committed, per order: "
        f"{total:.1f} statements in {tally.transactions / orders:.1f} transactions {per_order}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20)
    asyncio.run(count(parser.parse_args().orders))


if __name__ == "__main__":
    main()
