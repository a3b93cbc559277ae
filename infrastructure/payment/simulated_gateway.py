"""A stand-in for the payment team's gateway, behind the same port a real HTTP adapter would use.

It understands test tokens in the manner of card test numbers:
  tok_ok (or none): approved;  tok_decline: declined;
  tok_flaky_N: unavailable for the first N calls of a charge, then approved;
  tok_down: unavailable on every call.
Any other token is declined as an unknown card. A partial refund gives back part of an approved
charge, once per key, and is refused when the charge's refunds would pass what it took. Its
ledger lives in its own table, so that it
remembers idempotency keys across our restarts, as the real gateway would. We wait for it at
most `ORDERS_GATEWAY_TIMEOUT_SECONDS`; a call we stopped waiting for still completes on the
gateway's side, as it would over the network. Fault tests make it slow or unavailable for a
while through a JSON file (`ORDERS_SIMULATED_GATEWAY_WEATHER`).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.money import Money
from domain.ports import ChargeResult, TransientFault
from infrastructure.crash_points import NO_CRASHES, CrashPoints
from infrastructure.database.engine import single_statements
from infrastructure.database.tables import simulated_charge_table
from infrastructure.database.types import utc_now
from infrastructure.database.upsert import insert_on_conflict

_ledger = simulated_charge_table.c
T = TypeVar("T")
_FLAKY = re.compile(r"^tok_flaky_(\d{1,3})$")


class Outcome(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"


class GatewayUnavailable(TransientFault):
    pass


_ENTRY = (_ledger.calls, _ledger.status, _ledger.transaction_id, _ledger.token)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the gateway's ledger holds for one idempotency key."""

    calls: int
    status: str
    transaction_id: str | None
    token: str | None

    @classmethod
    def of(cls, row: Any) -> Entry:
        return cls(int(row.calls), str(row.status), row.transaction_id, row.token)


def _outcome_for(token: str | None, calls: int) -> Outcome:
    """What the gateway answers to the `calls`-th call of a charge (1 for the first)."""
    if token in (None, "tok_ok"):
        return Outcome.APPROVED
    if token == "tok_down":
        raise GatewayUnavailable("payment gateway unavailable (tok_down)")
    flaky = _FLAKY.match(token or "")
    if flaky:
        if calls <= int(flaky.group(1)):
            raise GatewayUnavailable(f"payment gateway unavailable ({token}, call {calls})")
        return Outcome.APPROVED
    return Outcome.DECLINED


def _result(status: str, transaction_id: str | None, token: str | None) -> ChargeResult:
    if status == Outcome.APPROVED.value:
        return ChargeResult(approved=True, transaction_id=transaction_id)
    if status == Outcome.VOIDED.value:
        return ChargeResult(
            approved=False, decline_reason="the charge was voided by a refund", voided=True
        )
    reason = "card declined" if token == "tok_decline" else f"unknown card token {token!r}"
    return ChargeResult(approved=False, decline_reason=reason)


@dataclass(frozen=True, slots=True)
class Weather:
    """How the simulated gateway is doing, for fault tests: slow, down, or neither."""

    delay_seconds: float = 0.0
    unavailable: bool = False

    @classmethod
    def read(cls, path: Path | None) -> Weather:
        if path is None or not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text())
            return cls(float(data.get("delay_seconds", 0)), bool(data.get("unavailable", False)))
        except (ValueError, TypeError, AttributeError):
            return cls()


class SimulatedPaymentGateway:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        timeout_seconds: float,
        weather_file: str | None = None,
        crash: CrashPoints = NO_CRASHES,
    ) -> None:
        self._engine = engine
        self._single = single_statements(engine)
        self._timeout = timeout_seconds
        self._weather_file = Path(weather_file) if weather_file else None
        self._crash = crash
        self._in_flight: set[asyncio.Task[Any]] = set()

    async def _on_the_wire(self, work: Callable[[float], Awaitable[T]]) -> T:
        """Run a call as a remote gateway would: it goes on when we stop waiting for it.
        `work` gets the delay to spend after recording the call and before answering."""
        weather = Weather.read(self._weather_file)
        if weather.unavailable:
            raise GatewayUnavailable("payment gateway unavailable (simulated outage)")
        task = asyncio.ensure_future(work(weather.delay_seconds))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._timeout)
        except TimeoutError as exc:
            raise GatewayUnavailable(
                f"payment gateway did not answer within {self._timeout:g}s"
            ) from exc

    def _new_entry(
        self, key: str, kind: str, token: str | None, amount: Money, status: Outcome, calls: int
    ) -> postgresql.Insert | sqlite.Insert:
        """INSERT of a ledger entry, for the caller to say what a conflict on its key does."""
        now = utc_now()
        return insert_on_conflict(self._engine, simulated_charge_table).values(
            idempotency_key=key,
            kind=kind,
            token=token,
            amount=amount.amount,
            status=status.value,
            calls=calls,
            created_at=now,
            updated_at=now,
        )

    async def _called(self, key: str, kind: str, token: str | None, amount: Money) -> Entry:
        """Count one more call with this key; the entry as it stands after that."""
        stmt = (
            self._new_entry(key, kind, token, amount, Outcome.PENDING, calls=1)
            .on_conflict_do_update(
                index_elements=[_ledger.idempotency_key],
                set_={"calls": _ledger.calls + 1, "updated_at": utc_now()},
            )
            .returning(*_ENTRY)
        )
        async with self._single.begin() as conn:
            return Entry.of((await conn.execute(stmt)).one())

    async def _settle(self, key: str, outcome: Outcome, transaction_id: str | None) -> Entry:
        """The first answer given for a key stands; a later one changes nothing. The entry as
        it stands after."""
        async with self._single.begin() as conn:
            settled = (
                await conn.execute(
                    update(simulated_charge_table)
                    .where(_ledger.idempotency_key == key, _ledger.status == Outcome.PENDING.value)
                    .values(
                        status=outcome.value, transaction_id=transaction_id, updated_at=utc_now()
                    )
                    .returning(*_ENTRY)
                )
            ).first()
            if settled is None:  # answered already, by a call that got there first
                settled = (
                    await conn.execute(select(*_ENTRY).where(_ledger.idempotency_key == key))
                ).one()
        return Entry.of(settled)

    async def charge(
        self, *, idempotency_key: str, amount: Money, token: str | None
    ) -> ChargeResult:
        result = await self._on_the_wire(
            lambda delay: self._charge(idempotency_key, amount, token, delay)
        )
        self._crash.reached("after_charge", idempotency_key)
        return result

    async def _charge(
        self, idempotency_key: str, amount: Money, token: str | None, delay: float
    ) -> ChargeResult:
        entry = await self._called(idempotency_key, "charge", token, amount)
        if entry.status == Outcome.PENDING.value:
            await _slowly(delay)
            outcome = _outcome_for(entry.token, entry.calls)
            approved = outcome is Outcome.APPROVED
            new_id = f"sim_{secrets.token_hex(8)}" if approved else None
            entry = await self._settle(idempotency_key, outcome, new_id)
        return _result(entry.status, entry.transaction_id, entry.token)

    async def refund(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        async def refund_or_void() -> Entry:
            outcome = await self._refund_or_void(charge_key, amount)
            return await self._settle(idempotency_key, outcome, None)

        return await self._give_back(idempotency_key, "refund", amount, refund_or_void)

    async def _give_back(
        self, key: str, kind: str, amount: Money, settle: Callable[[], Awaitable[Entry]]
    ) -> bool:
        """A refund's call, on the wire: counted, settled by `settle` the first time (a call
        repeated with its key answers as the first settled); whether the money went back."""

        async def call(delay: float) -> bool:
            entry = await self._called(key, kind, None, amount)
            await _slowly(delay)
            if entry.status == Outcome.PENDING.value:
                entry = await settle()
            return entry.status == Outcome.REFUNDED.value

        return await self._on_the_wire(call)

    async def _refund_or_void(self, charge_key: str, amount: Money) -> Outcome:
        """Give back an approved charge, or void one still in flight, or one not made yet (a
        charge with this key that comes later finds it void), in one statement: a charge
        settling at the same moment is either before it, and refunded, or after, and void."""
        status = _ledger.status
        stmt = (
            self._new_entry(charge_key, "charge", None, amount, Outcome.VOIDED, calls=0)
            .on_conflict_do_update(
                index_elements=[_ledger.idempotency_key],
                set_={
                    "status": case(
                        (status == Outcome.APPROVED.value, Outcome.REFUNDED.value),
                        (status == Outcome.PENDING.value, Outcome.VOIDED.value),
                        else_=status,
                    ),
                    "updated_at": utc_now(),
                },
            )
            .returning(status)
        )
        async with self._single.begin() as conn:
            after = (await conn.execute(stmt)).scalar_one()
        return Outcome.REFUNDED if after == Outcome.REFUNDED.value else Outcome.VOIDED

    async def refund_part(self, *, idempotency_key: str, charge_key: str, amount: Money) -> bool:
        given = await self._give_back(
            idempotency_key,
            "part",
            amount,
            lambda: self._settle_part(idempotency_key, charge_key, amount),
        )
        self._crash.reached("after_refund_part", idempotency_key)
        return given

    async def _settle_part(self, key: str, charge_key: str, amount: Money) -> Entry:
        """In one transaction: the charge gives back `amount` if it is approved and what it has
        given back stays within what it took, and the part's entry says whether it did. A call
        that settled the part already changes nothing (its entry is locked first)."""
        async with self._single.begin() as conn:
            part = (
                await conn.execute(
                    select(*_ENTRY).where(_ledger.idempotency_key == key).with_for_update()
                )
            ).one()
            if part.status != Outcome.PENDING.value:
                return Entry.of(part)
            given = await conn.execute(
                update(simulated_charge_table)
                .where(
                    _ledger.idempotency_key == charge_key,
                    _ledger.status == Outcome.APPROVED.value,
                    _ledger.refunded + amount.amount <= _ledger.amount,
                )
                .values(refunded=_ledger.refunded + amount.amount, updated_at=utc_now())
            )
            outcome = Outcome.REFUNDED if given.rowcount == 1 else Outcome.DECLINED
            settled = (
                await conn.execute(
                    update(simulated_charge_table)
                    .where(_ledger.idempotency_key == key)
                    .values(status=outcome.value, updated_at=utc_now())
                    .returning(*_ENTRY)
                )
            ).one()
        return Entry.of(settled)


async def _slowly(delay_seconds: float) -> None:
    if delay_seconds > 0:
        await asyncio.sleep(delay_seconds)
