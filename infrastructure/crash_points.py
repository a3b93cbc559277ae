"""Deliberate crashes at named points, for the fault tests: the process SIGKILLs itself there.

Off unless `ORDERS_CRASH_AT` names a point (refused in production). With `ORDERS_CRASH_MARKER`
the crash happens once: the marker file is written just before, and a restarted process that
finds it carries on. Points: `before_ack` (a worker committed, not yet acked), `after_charge`
(the gateway charged, nothing committed), `after_refund_part` (the gateway gave back a numbered
part of an order, a partial cancellation's or a return's, nothing committed),
`before_invalidate` (the response cache's consumer took an event and dropped nothing yet),
`after_publish` (the broker confirmed a batch the relay took and marked in one statement, and
that transaction has not committed: the rows stay unpublished).
One point is a fault rather than a crash: `consumers_lost`, a worker whose AMQP connection comes
back from a broker restart without its consumers (what aio-pika's robust connection did, and
what the consumer watchdog is for).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


class CrashPoints:
    def __init__(self, point: str | None = None, marker: str | None = None) -> None:
        self._point = point
        self._marker = Path(marker) if marker else None

    def reached(self, point: str, detail: str = "") -> None:
        """Crash here if this is the point named; `detail` is written to the marker."""
        if point != self._point:
            return
        if self._marker is not None:
            if self._marker.exists():
                return
            self._marker.write_text(f"{point} {detail}".strip())
        os.kill(os.getpid(), signal.SIGKILL)

    def faulty(self, point: str) -> bool:
        """Whether this is the point named, for a fault its caller makes instead of a crash."""
        return point == self._point


NO_CRASHES = CrashPoints()
