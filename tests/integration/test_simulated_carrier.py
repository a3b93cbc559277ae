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


async def _reported(engine: AsyncEngine, tracking: str) -> str | None:
    async with engine.connect() as conn:
        return await conn.scalar(
            select(simulated_parcel_table.c.reported_status).where(
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
    assert await _reported(engine, tracking) == "PREPARING"
    webhook.status = None
    assert await carrier.report(webhook) == 1
    assert await _reported(engine, tracking) == "PICKED_UP"


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
    assert await _reported(engine, tracking) == "PICKED_UP"
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
    assert await _reported(engine, tracking) == "PICKED_UP"
