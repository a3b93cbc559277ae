"""What a log line looks like: readable text for a person, JSON for machines, and never a
terminal's colour codes inside either."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest

from infrastructure.observability.logs import LogFormat, configure_logging, tracing

ANSI_BOLD = "\x1b[1m"


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the root logger writes, configured by the test; the root logger restored after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield io.StringIO()
    finally:
        root.handlers, root.level = handlers, level


def _uvicorn_started(log_format: LogFormat, written: io.StringIO) -> str:
    """A line as uvicorn logs it: a plain message, and a coloured copy as an extra."""
    configure_logging(log_format, stream=written)
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)",
        "http",
        "127.0.0.1",
        8000,
        extra={"color_message": f"Uvicorn running on {ANSI_BOLD}%s://%s:%d\x1b[0m (Press …)"},
    )
    return written.getvalue()


def test_a_text_line_reads_as_time_level_logger_message_then_the_ids(
    written: io.StringIO,
) -> None:
    configure_logging("text", stream=written)
    with tracing(request="r-1", order="o-1", message="m-1"):
        logging.getLogger("orders.test").warning("something %s", "happened")

    line = written.getvalue()
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d WARNING orders\.test  something happened"
        r"  request_id=r-1  order_id=o-1  message_id=m-1\n",
        line,
    ), line


def test_a_text_line_keeps_the_traceback_below_it(written: io.StringIO) -> None:
    configure_logging("text", stream=written)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("orders.test").exception("it failed")

    first, *rest = written.getvalue().splitlines()
    assert first.endswith("ERROR   orders.test  it failed")
    assert rest[0] == "Traceback (most recent call last):"
    assert rest[-1] == "ValueError: boom"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_uvicorn_colour_codes_reach_no_line(log_format: LogFormat, written: io.StringIO) -> None:
    output = _uvicorn_started(log_format, written)

    assert "\x1b" not in output
    assert "Uvicorn running on http://127.0.0.1:8000" in output


def test_a_json_line_carries_the_message_not_its_coloured_copy(written: io.StringIO) -> None:
    line = json.loads(_uvicorn_started("json", written))

    assert set(line) == {"time", "level", "logger", "message"}
    assert line["logger"] == "uvicorn.error"
