"""Log lines carrying the request id, order id and message id of the work in hand, so that one
order's path can be followed across the API, the relay and the workers: JSON objects for the
machines of production, readable text for a person at a terminal."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import IO, Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from domain.moments import SEOUL

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


LogFormat = Literal["json", "text"]


# uvicorn sends a copy of some messages with ANSI colour codes as the `color_message` extra,
# for its own coloured formatter; JSON would carry it as one more field.
_NOT_FOR_JSON = [*RESERVED_ATTRS, "color_message"]


class TextFormatter(logging.Formatter):
    """`10:42:15 INFO    uvicorn.error  Started server process [42]  request_id=…`: the time in
    Seoul, the level, the logger, the message, then the ids in hand; a traceback below."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s  %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, SEOUL).strftime("%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        ids = [f"{name}={getattr(record, name)}" for name in _TRACED if hasattr(record, name)]
        return "  ".join([super().formatMessage(record), *ids])


def configure_logging(
    log_format: LogFormat, *, level: int = logging.INFO, stream: IO[str] | None = None
) -> None:
    """Every record, ours and the libraries' (uvicorn's access and error loggers included),
    goes to one handler in `log_format`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                reserved_attrs=_NOT_FOR_JSON,
            )
        )
    else:
        handler.setFormatter(TextFormatter())
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
