"""A carrier's report is refused unless every value it carries fits what the database stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column

from domain.steps.tracking import ParcelReport
from infrastructure.database.tables import delivery_event_table, delivery_table


def _payload(**changes: Any) -> dict[str, Any]:
    payload = {
        "trackingNumber": "123456789012",
        "status": "IN_TRANSIT",
        "location": "Gonjiam hub",
        "occurredAt": "2026-11-24T18:00:00+09:00",
        "eventId": "evt-1",
    }
    payload.update(changes)
    return payload


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",  # a year before the first one in UTC
        "9999-12-31T23:59:59-14:00",  # a year after the last one in UTC
    ],
)
def test_a_time_that_is_no_time_in_utc_is_refused(moment: str) -> None:
    with pytest.raises(ValueError, match="occurredAt"):
        ParcelReport.from_payload(_payload(occurredAt=moment))


def test_the_report_carries_its_time_in_utc() -> None:
    report = ParcelReport.from_payload(_payload(occurredAt="2026-11-24T18:00:00+09:00"))

    assert report.occurred_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert report.occurred_at.utcoffset() == timedelta(0)
    assert ParcelReport.from_payload(report.to_payload()) == report


def _length(column: Column[Any]) -> int:
    length = getattr(column.type, "length", None)
    assert isinstance(length, int)
    return length


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("trackingNumber", delivery_table.c.tracking_number),
        ("eventId", delivery_event_table.c.carrier_event_id),
        ("location", delivery_event_table.c.location),
        ("scan", delivery_event_table.c.scan),
    ],
)
def test_each_text_is_refused_when_longer_than_its_column(field: str, column: Column[Any]) -> None:
    longest = _length(column)

    fits = ParcelReport.from_payload(_payload(**{field: "7" * longest}))
    with pytest.raises(ValueError, match=field):
        ParcelReport.from_payload(_payload(**{field: "7" * (longest + 1)}))

    assert fits.to_payload()[field] == "7" * longest


def test_every_status_fits_its_column() -> None:
    longest = _length(delivery_event_table.c.status)
    for status in ("PREPARING", "PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"):
        assert len(ParcelReport.from_payload(_payload(status=status)).status.value) <= longest


def test_the_scan_name_travels_with_the_report_and_may_be_absent() -> None:
    named = ParcelReport.from_payload(_payload(scan="간선하차"))
    unnamed = ParcelReport.from_payload(_payload())

    assert (named.scan, unnamed.scan) == ("간선하차", None)
    assert ParcelReport.from_payload(named.to_payload()) == named


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trackingNumber", 123456789012),
        ("eventId", 5),
        ("status", ["IN_TRANSIT"]),
        ("occurredAt", 5),
        ("location", ["Gonjiam hub"]),
        ("location", 5),
        ("scan", {"name": "간선하차"}),
        ("scan", True),
    ],
)
def test_a_value_that_is_not_text_is_refused(field: str, value: object) -> None:
    """Each value was read as `str(value)`: a location of ["Gonjiam hub"] was accepted and kept
    as the place "['Gonjiam hub']", a scan of true as "True"."""
    with pytest.raises(ValueError, match=field):
        ParcelReport.from_payload(_payload(**{field: value}))


def test_an_optional_value_may_be_null_or_left_out() -> None:
    assert ParcelReport.from_payload(_payload(location=None, scan=None)).location is None
    report = ParcelReport.from_payload({k: v for k, v in _payload().items() if k != "location"})
    assert report.location is None
