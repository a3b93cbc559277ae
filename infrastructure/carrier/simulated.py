"""A stand-in for the parcel carrier, CJ대한통운, behind the carrier port.

Parcels live in the carrier's own table, so their progress survives our restarts. A clock gives
each parcel its next scan (집화처리, 간선상차, 간선하차, 배송출발, 배달완료: cj_scans.py) one per
`ORDERS_CARRIER_STEP_SECONDS` and reports every scan to us, in order, as a real carrier's
tracking webhook would, until the report is accepted, or refused for good: a report
the webhook calls malformed (400) is never sent again, and any other refusal is sent again for
`ORDERS_CARRIER_REPORT_GIVE_UP_SECONDS` after the step, then given up with one ERROR line. A 404
is retried for that long because it is also what a race gives: the parcel moved before our
delivery step committed its tracking number.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.order import Address
from domain.status import DeliveryStatus
from domain.steps.tracking import ParcelReport
from infrastructure.carrier.cj_scans import SCANS, Scan
from infrastructure.database.engine import single_statements
from infrastructure.database.tables import simulated_parcel_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_on_conflict
from infrastructure.stopping import sleep_unless_stopped

log = logging.getLogger(__name__)

_parcel = simulated_parcel_table.c

CARRIER_NAME = "CJ대한통운"
BATCH = 100

ReportProgress = Callable[[ParcelReport], Awaitable[None]]


class _Outcome(Enum):
    ACCEPTED = "accepted"
    GIVEN_UP = "given up"
    LATER = "to send again later"


class ReportRefused(Exception):
    """The webhook answered a report with a refusal (an HTTP status of 400 or more)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status

    @property
    def final(self) -> bool:
        """A malformed report stays malformed: sending it again cannot help."""
        return self.status == 400


class SimulatedCarrier:
    name = CARRIER_NAME

    def __init__(self, engine: AsyncEngine, step: timedelta, *, give_up_after: timedelta) -> None:
        self._engine = engine
        self._single = single_statements(engine)
        self._step = step
        self._give_up_after = give_up_after

    async def register_parcel(self, *, reference: str, address: Address) -> str:
        return await self._registered(reference, address, returning=False)

    async def register_return(self, *, reference: str, address: Address) -> str:
        return await self._registered(reference, address, returning=True)

    async def _registered(self, reference: str, address: Address, *, returning: bool) -> str:
        now = utc_now()
        async with self._single.begin() as conn:
            found = await conn.execute(
                insert_on_conflict(conn, simulated_parcel_table)
                .values(
                    tracking_number=str(secrets.randbelow(10**12)).zfill(12),
                    reference=reference,
                    status=DeliveryStatus.PREPARING.value,
                    scans=0,
                    reported_scans=0,
                    zip_code=address.zip_code,
                    return_parcel=returning,
                    cancelled=False,
                    next_step_at=now + self._step,
                    created_at=now,
                    updated_at=now,
                )
                # registered already (a retry): the same parcel, its number as first given
                .on_conflict_do_update(
                    index_elements=[_parcel.reference], set_={"reference": reference}
                )
                .returning(_parcel.tracking_number)
            )
            return str(found.scalar_one())

    async def cancel_parcel(self, *, tracking_number: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(simulated_parcel_table)
                .where(_parcel.tracking_number == tracking_number)
                .values(cancelled=True, updated_at=utc_now())
            )

    async def change_address(self, *, tracking_number: str, address: Address) -> bool:
        """The parcel's postal code (what decides its 배송센터) is the new address's while it
        waits to be picked up; a parcel that has it already says so again (a retried call)."""
        async with self._single.begin() as conn:
            changed = await conn.execute(
                update(simulated_parcel_table)
                .where(
                    _parcel.tracking_number == tracking_number,
                    _parcel.cancelled.is_(False),
                    (_parcel.scans == 0) | (_parcel.zip_code == address.zip_code),
                )
                .values(zip_code=address.zip_code, updated_at=utc_now())
            )
            return changed.rowcount == 1

    async def advance(self, now: datetime) -> int:
        """Give every parcel that is due its next scan; how many were scanned."""
        async with self._engine.begin() as conn:
            due = await conn.execute(
                select(_parcel.tracking_number, _parcel.scans)
                .where(
                    _parcel.next_step_at <= now,
                    _parcel.cancelled.is_(False),
                    _parcel.scans < len(SCANS),
                )
                .order_by(_parcel.next_step_at)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            moved = 0
            for tracking_number, scans in due.all():
                await conn.execute(
                    update(simulated_parcel_table)
                    .where(_parcel.tracking_number == tracking_number)
                    .values(
                        scans=scans + 1,
                        status=SCANS[scans].status.value,
                        next_step_at=now + self._step,
                        updated_at=now,
                    )
                )
                moved += 1
        return moved

    async def report(self, report_progress: ReportProgress) -> int:
        """Report each parcel's scans that were not reported yet, oldest first, stopping at a
        parcel's first report to be sent again later; how many were accepted."""
        async with self._engine.connect() as conn:
            pending = (
                await conn.execute(
                    select(
                        _parcel.tracking_number,
                        _parcel.scans,
                        _parcel.reported_scans,
                        _parcel.zip_code,
                        _parcel.return_parcel,
                        _parcel.updated_at,
                    )
                    .where(_parcel.scans > _parcel.reported_scans, _parcel.cancelled.is_(False))
                    .limit(BATCH)
                )
            ).all()
        accepted = 0
        for tracking_number, scans, reported, zip_code, returning, scanned_at in pending:
            for number in range(reported + 1, scans + 1):
                scan = SCANS[number - 1]
                location = scan.location(zip_code, returning=returning)
                outcome = await self._report_scan(
                    report_progress, tracking_number, scan, location, scanned_at
                )
                if outcome is _Outcome.LATER:
                    break
                accepted += outcome is _Outcome.ACCEPTED
                await self._mark_reported(tracking_number, number)
        return accepted

    async def _report_scan(
        self,
        report_progress: ReportProgress,
        tracking_number: str,
        scan: Scan,
        location: str,
        scanned_at: datetime,
    ) -> _Outcome:
        report = ParcelReport(
            tracking_number=tracking_number,
            status=scan.status,
            location=location,
            occurred_at=utc_now(),
            event_id=f"{tracking_number}-{scan.code}",
            scan=scan.name,
        )
        try:
            await report_progress(report)
        except Exception as exc:  # noqa: BLE001 - reported again on the next tick, or given up
            final = isinstance(exc, ReportRefused) and exc.final
            if not final and utc_now() - scanned_at < self._give_up_after:
                log.warning("tracking report %s not accepted, will retry: %r", report.event_id, exc)
                return _Outcome.LATER
            log.error("tracking report %s given up: %r", report.event_id, exc)
            return _Outcome.GIVEN_UP
        return _Outcome.ACCEPTED

    async def _mark_reported(self, tracking_number: str, scans: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(simulated_parcel_table)
                .where(_parcel.tracking_number == tracking_number)
                .values(reported_scans=scans)
            )


class CarrierClock:
    """Runs the simulated carrier: advance due parcels, report, sleep a fraction of a step."""

    def __init__(
        self, carrier: SimulatedCarrier, report_progress: ReportProgress, step: timedelta
    ) -> None:
        self._carrier = carrier
        self._report_progress = report_progress
        self._tick = min(step.total_seconds() / 4, 1.0)

    async def tick(self) -> None:
        await self._carrier.advance(utc_now())
        await self._carrier.report(self._report_progress)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:  # a fault is retried on the next tick
                log.exception("carrier clock tick failed; trying again")
            await sleep_unless_stopped(stop, self._tick)
