"""How every role serves HTTP: uvicorn with our limits, the ones it has and the ones it lacks.

uvicorn bounds WebSocket messages (`ws_max_size`), idle keep-alive connections and concurrent
connections, and we set each from a setting. It does not bound a request's head when it parses
with httptools (`h11_max_incomplete_event_size` is for the slower h11 parser only), nor the time
a client may take to send the head or the body: `timeout_keep_alive` runs only between
requests, and every byte received resets it. `LimitedHttpToolsProtocol` adds those three to
uvicorn's httptools protocol, before anything reaches the app:

- a head (request line and headers) over `max_header_bytes` is answered 431 and closed;
- a head not complete within `header_timeout` of its first byte (or of the connection, for
  the first request) is answered 408 and closed;
- a body not complete within `body_timeout` of the end of its head is answered 408 and closed
  (or only closed, when the app has answered already without reading it).

The number of headers is bounded in the app (`infrastructure.http.request_limits`); the head's size
bounds the work of parsing them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any, Literal

import uvicorn
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from infrastructure.settings import Settings

log = logging.getLogger("orders.http")


@dataclass(frozen=True, slots=True)
class RequestLimits:
    max_header_bytes: int
    header_timeout: float
    body_timeout: float


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: RequestLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._limits = limits
        self._reading_head = True
        self._head_bytes = 0
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_for: Literal["head", "body"] | None = None

    # the head: its size, and its deadline

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._wait_for("head", self._limits.header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            room = self._limits.max_header_bytes - self._head_bytes
            if len(data) > room:
                # the head may end within the room: let the parser see that much first
                super().data_received(data[:room])
                if self._reading_head and not self.transport.is_closing():
                    self._refuse(
                        HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        f"request head too large: the limit is "
                        f"{self._limits.max_header_bytes} bytes",
                    )
                    return
                data = data[room:]
                if not data or self.transport.is_closing() or self._upgraded():
                    return
            else:
                self._head_bytes += len(data)
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_bytes = 0
        if self._waiting_for != "head":  # a request after the first on this connection
            self._wait_for("head", self._limits.header_timeout)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._wait_for("body", self._limits.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._stop_waiting()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._stop_waiting()
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    # deadlines

    def _wait_for(self, part: Literal["head", "body"], seconds: float) -> None:
        self._stop_waiting()
        self._waiting_for = part
        self._deadline = self.loop.call_later(seconds, self._too_slow, part, seconds)

    def _stop_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None
        self._waiting_for = None

    def _too_slow(self, part: Literal["head", "body"], seconds: float) -> None:
        self._deadline = None
        self._waiting_for = None
        if self.transport.is_closing():
            return
        log.info("closing a connection whose request %s took more than %g s", part, seconds)
        cycle = self.cycle
        if part == "body" and cycle is not None and cycle.response_started:
            # the app answered without reading the body: nothing more to say
            self._abandon_cycle()
            self.transport.close()
            return
        self._refuse(
            HTTPStatus.REQUEST_TIMEOUT, f"request {part} not received within {seconds:g} s"
        )

    # answering

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        """Answer `status` with `message` and close, whatever the app was doing."""
        self._stop_waiting()
        self._abandon_cycle()
        body = message.encode()
        self.transport.write(
            b"".join(
                [
                    f"HTTP/1.1 {status.value} {status.phrase}\r\n".encode(),
                    b"content-type: text/plain; charset=utf-8\r\n",
                    f"content-length: {len(body)}\r\n".encode(),
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()

    def _abandon_cycle(self) -> None:
        """As when the client disconnects: the app reading the body gets `http.disconnect`,
        and what it sends is dropped."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()

    def _upgraded(self) -> bool:
        return self.transport.get_protocol() is not self


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for every server we run (`uvicorn.run` and `uvicorn.Config` alike)."""
    limits = RequestLimits(
        max_header_bytes=settings.max_header_bytes,
        header_timeout=settings.header_timeout_seconds,
        body_timeout=settings.body_timeout_seconds,
    )
    return {
        # a partial of a module-level class: picklable for uvicorn's worker processes
        "http": partial(LimitedHttpToolsProtocol, limits=limits),
        "ws_max_size": settings.max_ws_message_bytes,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections,
        # the client's address from X-Forwarded-For, when a trusted balancer sent it
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }


def serve_api(settings: Settings, app_factory: str, *, start_seconds: int) -> None:
    """ORDERS_WORKERS processes serving the app `app_factory` ("module:function") builds in
    each of them, given `start_seconds` to start and answer their supervisor's pings."""
    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="info",
        log_config=None,  # our logging (configure_logging), in each worker process too
        **server_options(settings),
        timeout_worker_healthcheck=start_seconds,
    )
