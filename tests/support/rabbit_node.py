"""A RabbitMQ node of a test's own, beside the machine's: its own node name, AMQP and
distribution ports, data, logs and Erlang cookie under a temporary folder, started from the
installed `rabbitmq-server` as a child process. A test may stop and start it as it likes;
nobody else's broker goes down."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
from pathlib import Path

import aio_pika

from tests.support.processes import free_port
from tests.support.waiting import eventually

START_DEADLINE_SECONDS = 120
CLI_PORTS = range(35672, 35683)
"""The machine's node takes distribution port 25672, so its CLI tools take these: never ours."""


def _server_script() -> str:
    """The server script itself: /usr/sbin/rabbitmq-server is a wrapper that, run by root,
    starts it as the rabbitmq user with the machine's own log and data folders."""
    installed = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    if installed.exists():
        return str(installed)
    found = shutil.which("rabbitmq-server")
    assert found is not None, "RabbitMQ is not installed"
    return found


def _port() -> int:
    while (port := free_port()) in CLI_PORTS:
        pass
    return port


class RabbitNode:
    def __init__(self, workdir: Path) -> None:
        self._dir = workdir
        self._dir.mkdir(parents=True, exist_ok=True)
        self.port = _port()
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self._process: subprocess.Popen[bytes] | None = None
        (self._dir / "rabbitmq.conf").write_text("")
        (self._dir / "rabbitmq-env.conf").write_text("")
        (self._dir / "enabled_plugins").write_text("[].\n")
        self._env = {
            **os.environ,
            "HOME": str(self._dir),  # where the node and its CLI keep their Erlang cookie
            "RABBITMQ_NODENAME": f"orders-test-{secrets.token_hex(4)}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(_port()),
            "RABBITMQ_CONFIG_FILE": str(self._dir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self._dir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self._dir / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self._dir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self._dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self._dir / "log"),
            "RABBITMQ_PID_FILE": str(self._dir / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    async def start(self) -> None:
        """Start the node (with the data it had, if it ran before); return once it answers."""
        assert self._process is None, "the node runs already"
        self._process = self._spawn()
        await eventually(
            self._answers, bool, within=START_DEADLINE_SECONDS, what="the test's RabbitMQ node"
        )

    def _spawn(self) -> subprocess.Popen[bytes]:
        with (self._dir / "server.log").open("ab") as log:
            return subprocess.Popen(
                [_server_script()],
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as one if it hangs
            )

    async def _answers(self) -> bool:
        assert self._process is not None
        assert self._process.poll() is None, (self._dir / "server.log").read_text()
        try:  # its AMQP port opens last, once it is ready
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        connection = await aio_pika.connect(self.url, timeout=5)
        await connection.close()
        return True

    async def stop(self) -> None:
        """Stop the node as a service manager would: SIGTERM to the server script, which stops
        the Erlang VM cleanly and waits for it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, START_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            await asyncio.to_thread(process.wait)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def consumers(self, queue: str) -> int:
        """How many consumers the node sees on a queue."""
        connection = await aio_pika.connect(self.url)
        try:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            return int(declared.declaration_result.consumer_count or 0)
        finally:
            await connection.close()
