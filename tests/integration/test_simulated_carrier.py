"""The simulated carrier reports each step until it is accepted, and not forever."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.order import Address
from domain.status import DeliveryStatus
from domain.steps.tracking import ParcelReport
from infrastructure.carrier.simulated import ReportRefused, SimulatedCarrier
from infrastructure.database.engine import create_engine
from infrastructure.database.tables import simulated_parcel_table
from infrastructure.database.types import utc_now
from infrastructure.settings import Settings
from tests.conftest import own_database, run_id_of

ADDRESS = Address("김민준", "010-1234-5678", "06236", "서울특별시 강남구 테헤란로 1", None)


class Webhook:
    """Our webhook as the carrier sees it: answers each report with a refusal, or accepts."""

    def __init__(self, status: int | None) -> None:
        self.status = status
        self.calls: list[ParcelReport] = []

    async def __call__(self, report: ParcelReport) -> None:
        self.calls.append(report)
        if self.status is not None:
            raise ReportRefused(self.status, "refused")


async def _parcel_picked_up(engine: AsyncEngine, carrier: SimulatedCarrier) -> str:
    tracking = await carrier.register_parcel(reference=str(uuid.uuid4()), address=ADDRESS)
    assert await carrier.advance(utc_now()) >= 1
    return tracking


async def _reported(engine: AsyncEngine, tracking: str) -> int | None:
    """How many of the parcel's scans were reported (accepted or given up)."""
    async with engine.connect() as conn:
        return await conn.scalar(
            select(simulated_parcel_table.c.reported_scans).where(
                simulated_parcel_table.c.tracking_number == tracking
            )
        )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """A database of its own: the carrier reports every pending parcel it holds."""
    async with own_database(f"{run_id_of(settings)}_carrier") as url:
        engine = create_engine(url)
        yield engine
        await engine.dispose()


def _carrier(engine: AsyncEngine, give_up_after: timedelta) -> SimulatedCarrier:
    return SimulatedCarrier(engine, timedelta(0), give_up_after=give_up_after)


async def test_a_refused_report_is_sent_again_until_accepted(engine: AsyncEngine) -> None:
    carrier = _carrier(engine, timedelta(hours=1))
    tracking = await _parcel_picked_up(engine, carrier)
    webhook = Webhook(404)
    assert await carrier.report(webhook) == 0
    assert await carrier.report(webhook) == 0
    assert len(webhook.calls) == 2
    assert await _reported(engine, tracking) == 0
    webhook.status = None
    assert await carrier.report(webhook) == 1
    assert await _reported(engine, tracking) == 1


async def test_a_report_refused_past_the_give_up_time_is_given_up_with_one_error(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    carrier = _carrier(engine, timedelta(0))
    tracking = await _parcel_picked_up(engine, carrier)
    webhook = Webhook(404)
    with caplog.at_level(logging.WARNING):
        assert await carrier.report(webhook) == 0
        assert await carrier.report(webhook) == 0
    assert len(webhook.calls) == 1
    assert await _reported(engine, tracking) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "given up" in errors[0]


async def test_a_report_refused_as_malformed_is_never_sent_again(engine: AsyncEngine) -> None:
    carrier = _carrier(engine, timedelta(hours=1))
    tracking = await _parcel_picked_up(engine, carrier)
    webhook = Webhook(400)
    await carrier.report(webhook)
    await carrier.report(webhook)
    assert len(webhook.calls) == 1
    assert await _reported(engine, tracking) == 1


async def test_a_parcel_gets_cj_scans_in_order_each_reported_with_its_status_and_place(
    engine: AsyncEngine,
) -> None:
    carrier = _carrier(engine, timedelta(hours=1))
    tracking = await carrier.register_parcel(reference=str(uuid.uuid4()), address=ADDRESS)
    webhook = Webhook(None)
    for _ in range(7):  # two more than there are scans: a delivered parcel stays delivered
        await carrier.advance(utc_now())
        await carrier.report(webhook)

    assert [(r.scan, r.status, r.location) for r in webhook.calls] == [
        ("집화처리", DeliveryStatus.PICKED_UP, "서울강남"),
        ("간선상차", DeliveryStatus.IN_TRANSIT, "서울강남"),
        ("간선하차", DeliveryStatus.IN_TRANSIT, "곤지암Hub"),
        ("배송출발", DeliveryStatus.OUT_FOR_DELIVERY, "서울배송센터"),
        ("배달완료", DeliveryStatus.DELIVERED, "서울배송센터"),
    ]
    assert len({r.event_id for r in webhook.calls}) == 5
    assert {r.tracking_number for r in webhook.calls} == {tracking}


async def test_scans_made_between_two_reports_are_all_reported_oldest_first(
    engine: AsyncEngine,
) -> None:
    carrier = _carrier(engine, timedelta(hours=1))
    tracking = await carrier.register_parcel(reference=str(uuid.uuid4()), address=ADDRESS)
    for _ in range(3):
        await carrier.advance(utc_now())
    webhook = Webhook(None)

    assert await carrier.report(webhook) == 3
    assert [r.scan for r in webhook.calls] == ["집화처리", "간선상차", "간선하차"]
    assert await _reported(engine, tracking) == 3
