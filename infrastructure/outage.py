"""Staying away from a service that just failed, so its timeout is not paid on every request."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


class OutageGuard:
    def __init__(self, service: str, cool_down_seconds: float) -> None:
        self._service = service
        self._cool_down = cool_down_seconds
        self._unavailable_until = 0.0

    def available(self) -> bool:
        return time.monotonic() >= self._unavailable_until

    def failed(self, operation: str, exc: BaseException, consequence: str) -> None:
        if self.available():
            log.warning("%s %s failed, %s: %r", self._service, operation, consequence, exc)
        self._unavailable_until = time.monotonic() + self._cool_down
