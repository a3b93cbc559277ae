"""JSON log lines carrying the request id, order id and message id of the work in hand, so
that one order's path can be followed across the API, the relay and the workers."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
order_id: ContextVar[str | None] = ContextVar("order_id", default=None)
message_id: ContextVar[str | None] = ContextVar("message_id", default=None)

_TRACED = {"request_id": request_id, "order_id": order_id, "message_id": message_id}


def _install_trace_fields() -> None:
    """Every log record, whichever handler gets it, carries the ids of the work in hand."""
    make_record = logging.getLogRecordFactory()

    def traced_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        for name, variable in _TRACED.items():
            value = variable.get()
            if value is not None:
                setattr(record, name, value)
        return record

    logging.setLogRecordFactory(traced_record)


_install_trace_fields()


def configure_logging(
    *, json: bool, level: int = logging.INFO, stream: IO[str] | None = None
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if json:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


@contextmanager
def tracing(
    *, request: str | None = None, order: str | None = None, message: str | None = None
) -> Iterator[None]:
    """Log lines written inside carry these ids (those given; the others are kept)."""
    tokens = [
        (variable, variable.set(value))
        for variable, value in ((request_id, request), (order_id, order), (message_id, message))
        if value is not None
    ]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)
