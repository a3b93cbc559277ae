"""What a client can hold of a server: `main.py serve` (and `main.py run`) on a free port, met
by raw sockets that send huge or many headers, send them or a body too slowly, go away in the
middle of a body, or send a WebSocket message over the limit (issue #11)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from infrastructure.settings import Settings
from tests.support.embedded import embedded_run
from tests.support.processes import RoleProcess, start_api
from tests.support.waiting import eventually

LIMITS = {
    "ORDERS_MAX_HEADER_BYTES": "8192",
    "ORDERS_MAX_HEADERS": "50",
    "ORDERS_HEADER_TIMEOUT_SECONDS": "1",
    "ORDERS_BODY_TIMEOUT_SECONDS": "1",
    "ORDERS_MAX_WS_MESSAGE_BYTES": "65536",
}
ANSWER_WITHIN = 30.0
"""How long a test waits for the server's answer before it calls the server stuck."""


@dataclass
class Served:
    process: RoleProcess
    url: str

    @property
    def address(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        assert parts.hostname is not None
        assert parts.port is not None
        return parts.hostname, parts.port

    def log(self) -> str:
        return self.process.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
async def api(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    log = tmp_path_factory.mktemp("server-limits") / "api.log"
    process, url = await start_api(settings, log, extra=LIMITS)
    yield Served(process, url)
    await asyncio.to_thread(process.stop)


async def _exchange(
    address: tuple[str, int], *parts: bytes, then_wait: bool = True, trickle: bool = False
) -> bytes:
    """Send `parts` (stopping early if the server closes), then read what the server answers
    until it closes the connection. With `trickle`, a slow client: one more byte of body every
    tenth of a second while it waits."""
    reader, writer = await asyncio.open_connection(*address)
    dripping = asyncio.create_task(_drip(writer)) if trickle else None
    try:
        for part in parts:
            if reader.at_eof():
                break
            writer.write(part)
            try:
                await writer.drain()
            except ConnectionError:
                break
        if not then_wait:
            return b""
        return await asyncio.wait_for(_read_until_closed(reader), ANSWER_WITHIN)
    finally:
        if dripping is not None:
            dripping.cancel()
        writer.close()


async def _drip(writer: asyncio.StreamWriter) -> None:
    """The pace of a slow client is what is tested here, so it sleeps between bytes."""
    with contextlib.suppress(ConnectionError):
        while not writer.is_closing():
            await asyncio.sleep(0.1)
            writer.write(b"x")
            await writer.drain()


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    received = b""
    while True:
        try:
            chunk = await reader.read(65536)
        except ConnectionError:
            return received
        if not chunk:
            return received
        received += chunk


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def _request(headers: list[tuple[str, str]], body: bytes = b"", path: str = "/graphql") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: test", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_a_header_block_over_the_limit_is_431(api: Served) -> None:
    huge = _request([("Authorization", "Bearer " + "x" * 100_000), ("Content-Length", "0")])

    answer = await _exchange(api.address, huge[:50_000], huge[50_000:])

    assert _status(answer) == 431
    assert b"8192 bytes" in answer


async def test_too_many_headers_are_431(api: Served) -> None:
    many = _request([(f"X-Filler-{i}", "1") for i in range(60)] + [("Content-Length", "0")])

    answer = await _exchange(api.address, many)

    assert _status(answer) == 431
    assert b"50 headers" in answer


async def test_headers_sent_too_slowly_are_408(api: Served) -> None:
    answer = await _exchange(api.address, b"POST /graphql HTTP/1.1\r\nHost: test\r\n")

    assert _status(answer) == 408


async def test_a_body_sent_too_slowly_is_408(api: Served) -> None:
    head = _request([("Content-Type", "application/json"), ("Content-Length", "1000")])

    answer = await _exchange(api.address, head + b'{"query": "{ me')

    assert _status(answer) == 408


async def test_a_body_nobody_reads_does_not_hold_the_connection(api: Served) -> None:
    head = _request([("Content-Length", "1000")], path="/healthz")

    answer = await _exchange(api.address, head + b"x", trickle=True)

    assert _status(answer) == 405  # answered at once, then closed at the body's deadline


async def test_a_client_leaving_in_the_middle_of_a_body_is_no_error(api: Served) -> None:
    head = _request(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", "1000"),
            ("X-Request-Id", "leaves-mid-body"),
        ]
    )

    await _exchange(api.address, head + b'{"query": "{ me', then_wait=False)

    log = await eventually(
        lambda: asyncio.to_thread(api.log),
        lambda text: "leaves-mid-body" in text,
        what="the abandoned request in the log",
    )
    levels = [json.loads(line).get("level") for line in log.splitlines() if line.startswith("{")]
    assert "ERROR" not in levels, log
    assert "Traceback" not in log


async def _subscribe_with(url: str, payload_bytes: int) -> int | None:
    """The close code of a graphql-transport-ws socket after a message of `payload_bytes`."""
    ws_url = url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), ANSWER_WITHIN))
        assert ack["type"] == "connection_ack", ack
        query = 'subscription { orderStatusChanged(orderId: "x") { id } }'
        padding = " " * max(0, payload_bytes - len(query))
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query + padding}})
        )
        try:
            await asyncio.wait_for(socket.recv(), ANSWER_WITHIN)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
        return None


async def test_a_websocket_message_over_the_limit_closes_the_socket(api: Served) -> None:
    code = await _subscribe_with(api.url, 100_000)

    assert code == 1009  # message too big


async def test_the_websocket_limit_holds_for_main_py_run(tmp_path: Path) -> None:
    with embedded_run(tmp_path, ORDERS_MAX_WS_MESSAGE_BYTES="65536") as url:
        code = await _subscribe_with(url, 100_000)

    assert code == 1009
