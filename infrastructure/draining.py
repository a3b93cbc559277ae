"""Leaving a load balancer's rotation before stopping.

A balancer learns that a server is going away from its health checks. If the server closed its
listening socket at the first SIGTERM, requests already on their way to it (on a pooled
keep-alive connection, or sent before the next check) would fail. With `ORDERS_DRAIN_SECONDS`,
the first SIGTERM (or SIGINT) only marks the process as draining: `/readyz` answers 503, every
request is still served, and the server's own handler gets the signal that many seconds later.
Then uvicorn stops accepting, finishes the requests in hand, and closes WebSockets with 1012
(service restart: reconnect). A second signal stops at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

DRAINING = threading.Event()
"""Set in a process that was asked to stop and is waiting for the balancer to notice."""

_SIGNALS = (signal.SIGTERM, signal.SIGINT)

SignalHandler = Callable[[int, FrameType | None], Any]


def drain_on_signals(seconds: float) -> None:
    """Put the draining step in front of the signal handlers the server installed (call it
    from the main thread once they are, as an ASGI lifespan start-up is)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return
    for signum in _SIGNALS:
        server_handler = signal.getsignal(signum)
        if callable(server_handler):
            signal.signal(signum, _draining_first(server_handler, seconds))


def _draining_first(server_handler: SignalHandler, seconds: float) -> SignalHandler:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        if DRAINING.is_set():
            server_handler(signum, frame)
            return
        DRAINING.set()
        log.info("draining: not ready for %ss, then stopping", seconds)
        timer = threading.Timer(seconds, server_handler, (signum, None))
        timer.daemon = True
        timer.start()

    return on_signal
