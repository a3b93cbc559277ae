"""/healthz (the process runs), /readyz (what it depends on answers), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infrastructure.database.tables import outbox_table
from infrastructure.database.types import utc_now
from infrastructure.draining import DRAINING
from infrastructure.observability.metrics import (
    ERRORS,
    OUTBOX_LAG,
    RATE_LIMITED,
    REQUEST_SECONDS,
    exposition,
)
from resolvers.ports import ApiMetrics

CHECK_TIMEOUT_SECONDS = 2.0

Check = Callable[[], Awaitable[bool]]


OPERATION_LABELS = 500
"""How many operation names a process labels its latencies with. The client names its
operations, and each new name adds a histogram that lives as long as the process: 3,000 names
of `query OpN { __typename }`, which costs no points, grew /metrics from 7 KB to 4.3 MB and the
process by 23 MB."""
OPERATION_LABEL_LENGTH = 64
OTHER_OPERATIONS = "other"
"""The label of every operation past the bound, and of a name longer than
`OPERATION_LABEL_LENGTH`."""


class PrometheusApiMetrics(ApiMetrics):
    def __init__(self, operation_labels: int = OPERATION_LABELS) -> None:
        self._operation_labels = operation_labels
        self._labelled: set[str] = set()

    def operation_answered(self, operation: str, seconds: float, error_codes: list[str]) -> None:
        REQUEST_SECONDS.labels(operation=self._label(operation)).observe(seconds)
        for code in error_codes:
            ERRORS.labels(code=code).inc()

    def _label(self, operation: str) -> str:
        """The operation's own name while this process labels fewer than its bound (the first
        names it answers, kept), `other` after."""
        if operation in self._labelled:
            return operation
        if len(operation) > OPERATION_LABEL_LENGTH or len(self._labelled) >= self._operation_labels:
            return OTHER_OPERATIONS
        self._labelled.add(operation)
        return operation

    def throttled(self) -> None:
        RATE_LIMITED.inc()


def database_check(engine: AsyncEngine) -> Check:
    async def check() -> bool:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    return check


async def _passes(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - a check that fails in any way is a "no"
        return False


class Health:
    def __init__(
        self, engine: AsyncEngine, checks: dict[str, Check], required: frozenset[str]
    ) -> None:
        """`/readyz` reports every check and is 200 when the `required` ones pass."""
        self._engine = engine
        self._checks = checks
        self._required = required

    def routes(self) -> list[Route]:
        return [
            Route("/healthz", self.healthz),
            Route("/readyz", self.readyz),
            Route("/metrics", self.metrics),
        ]

    async def healthz(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(self, _request: Request) -> Response:
        if DRAINING.is_set():
            return JSONResponse({"ready": False, "draining": True}, status_code=503)
        names = list(self._checks)
        results = await asyncio.gather(*(_passes(self._checks[n]) for n in names))
        passed = dict(zip(names, results, strict=True))
        ready = all(passed[name] for name in self._required)
        return JSONResponse({"ready": ready, "checks": passed}, status_code=200 if ready else 503)

    async def metrics(self, _request: Request) -> Response:
        await _passes(self._measure_outbox_lag)
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    async def _measure_outbox_lag(self) -> bool:
        async with self._engine.connect() as conn:
            oldest = (
                await conn.execute(
                    select(func.min(outbox_table.c.created_at)).where(
                        outbox_table.c.published_at.is_(None)
                    )
                )
            ).scalar_one_or_none()
        lag = 0.0 if oldest is None else (utc_now() - oldest).total_seconds()
        OUTBOX_LAG.set(lag)
        return True
