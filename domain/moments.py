"""Points in time the service may compare and store: with a zone, and within what both Python's
datetime and PostgreSQL's timestamptz hold once put in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

SEOUL = timezone(timedelta(hours=9), "KST")
"""Asia/Seoul, the time of the shop's people: Korea keeps no daylight saving time, so a fixed
offset is that zone without a time-zone database."""

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)
"""Python's datetime bounds the range; timestamptz (4713 BC to 294276 AD) holds all of it."""


def storable_moment(moment: datetime) -> datetime:
    """`moment` in UTC; ValueError, saying why, when it has no zone or lies outside the range.

    `0001-01-01T00:00:00+01:00` is a valid datetime, but in UTC it falls before year 1, and
    converting it for a statement would fail there, as an internal error."""
    if moment.utcoffset() is None:
        raise ValueError("a time needs a time zone, such as +09:00 or Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(
            f"a time must be in the range {EARLIEST.isoformat()} to {LATEST.isoformat()}"
        ) from exc
