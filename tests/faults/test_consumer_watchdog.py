"""The consumer watchdog against a real broker restart: a process that comes back connected but
consuming nothing exits with code 3 for its supervisor to start a fresh one (a worker, and
`main.py run`); a worker that came back whole goes on. On a RabbitMQ node of the test's own, so
no other test's broker stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cluster.environment import role_environment
from domain.messages import Consumer
from infrastructure.messaging.topology import Names
from infrastructure.settings import Settings, load_settings
from tests.conftest import own_database, run_id_of
from tests.support.processes import RoleProcess, free_port
from tests.support.rabbit_node import RabbitNode
from tests.support.waiting import eventually

EXIT_FOR_A_RESTART = 3


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RabbitNode]:
    started = RabbitNode(tmp_path / "rabbitmq")
    await started.start()
    yield started
    await started.stop()


async def _exit_code(process: RoleProcess) -> int:
    code: int | None = await eventually(
        lambda: asyncio.to_thread(process.process.poll),
        lambda returned: returned is not None,
        what=f"{process.log_path.name} exiting",
    )
    assert code is not None
    return code


async def test_a_process_back_from_a_broker_restart_without_consumers_exits_for_a_fresh_start(
    settings: Settings, node: RabbitNode, tmp_path: Path
) -> None:
    own = load_settings(
        **{**settings.model_dump(), "amqp_url": node.url, "consumer_check_seconds": 0.5}
    )
    names = Names(own.amqp_prefix)
    lost = {"ORDERS_CRASH_AT": "consumers_lost"}
    processes: list[RoleProcess] = []

    def spawn(args: list[str], log: str, **env: str) -> RoleProcess:
        process = RoleProcess(args, role_environment(own, **env), tmp_path / log)
        processes.append(process)
        return process

    async with own_database(f"{run_id_of(settings)}_watchdog") as run_database:
        try:
            whole = spawn(["worker", "stock"], "stock.log")
            worker = spawn(["worker", "payment"], "payment.log", **lost)
            everything = spawn(
                ["run"],
                "run.log",
                ORDERS_DATABASE_URL=run_database,
                ORDERS_PORT=str(free_port()),
                **lost,
            )
            await whole.wait_for_output("running:")
            await worker.wait_for_output("running:")
            await everything.wait_for_output("The shop:")

            await node.restart()

            assert await _exit_code(worker) == EXIT_FOR_A_RESTART
            assert await _exit_code(everything) == EXIT_FOR_A_RESTART
            for gone in (worker, everything):
                assert "connected but nobody consumes" in gone.log_path.read_text()
            # its supervisor starts a fresh worker, which consumes again
            fresh = spawn(["worker", "payment"], "fresh.log")
            await fresh.wait_for_output("running:")
            await eventually(
                lambda: node.consumers(names.work_queue(Consumer.PAYMENT)),
                lambda n: n == 1,
                what="the fresh worker consuming",
            )
            # the worker whose consumers came back was left alone
            assert whole.process.poll() is None
            assert await node.consumers(names.work_queue(Consumer.STOCK)) == 1
            assert "nobody consumes" not in whole.log_path.read_text()
        finally:
            for process in processes:
                await asyncio.to_thread(process.stop)
