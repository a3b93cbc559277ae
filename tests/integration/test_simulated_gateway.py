"""The simulated payment gateway: test tokens, idempotency keys, and a call that outlives
our patience but still completes on the gateway's side, as a remote one would."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable
from pathlib import Path

import pytest
from sqlalchemy import select

from bootstrap import Services
from domain.money import Money
from domain.ports import TransientFault
from infrastructure.database.tables import simulated_charge_table
from infrastructure.payment.simulated_gateway import SimulatedPaymentGateway
from tests.support.waiting import eventually

AMOUNT = Money(15000)


async def _statuses(services: Services, keys: list[str]) -> list[str]:
    async with services.engine.connect() as conn:
        rows = await conn.execute(
            select(simulated_charge_table.c.status).where(
                simulated_charge_table.c.idempotency_key.in_(keys)
            )
        )
    return [str(status) for status in rows.scalars()]


def _key() -> str:
    return f"charge-{uuid.uuid4()}"


async def test_tokens_decide_the_answer_and_a_repeated_key_gets_the_first_one(
    services: Services,
) -> None:
    gateway = SimulatedPaymentGateway(services.engine, timeout_seconds=5)
    approved, declined, flaky = _key(), _key(), _key()

    first = await gateway.charge(idempotency_key=approved, amount=AMOUNT, token="tok_ok")
    again = await gateway.charge(idempotency_key=approved, amount=AMOUNT, token="tok_decline")
    no = await gateway.charge(idempotency_key=declined, amount=AMOUNT, token="tok_decline")
    for _ in range(2):
        with pytest.raises(TransientFault):
            await gateway.charge(idempotency_key=flaky, amount=AMOUNT, token="tok_flaky_2")
    third = await gateway.charge(idempotency_key=flaky, amount=AMOUNT, token="tok_flaky_2")

    assert first.approved
    assert again == first  # the same key: the first answer, never a second charge
    assert (no.approved, no.decline_reason) == (False, "card declined")
    assert third.approved


async def test_a_slow_charge_completes_after_we_stopped_waiting_and_a_refund_voids_one_in_flight(
    services: Services, tmp_path: Path
) -> None:
    weather = tmp_path / "weather.json"
    gateway = SimulatedPaymentGateway(
        services.engine, timeout_seconds=0.2, weather_file=str(weather)
    )
    slow, voided = _key(), _key()
    weather.write_text(json.dumps({"delay_seconds": 0.5}))

    with pytest.raises(TransientFault, match=r"did not answer within 0\.2s"):
        await gateway.charge(idempotency_key=slow, amount=AMOUNT, token="tok_ok")
    with pytest.raises(TransientFault):
        await gateway.charge(idempotency_key=voided, amount=AMOUNT, token="tok_ok")
    weather.unlink()
    refunded = await gateway.refund(idempotency_key=f"r-{voided}", charge_key=voided, amount=AMOUNT)
    await eventually(  # both charges are still being processed on the gateway's side
        lambda: _statuses(services, [slow, voided]),
        lambda statuses: "PENDING" not in statuses,
        what="the gateway finishing both charges",
    )
    later = await gateway.charge(idempotency_key=slow, amount=AMOUNT, token="tok_ok")
    never = await gateway.charge(idempotency_key=voided, amount=AMOUNT, token="tok_ok")

    assert later.approved  # it went through on the gateway's side
    assert refunded is False  # nothing had been taken yet...
    assert not never.approved  # ...and now never will be
    assert never.decline_reason == "the charge was voided by a refund"


async def test_a_refund_before_the_charge_voids_it_and_one_after_gives_the_money_back(
    services: Services,
) -> None:
    gateway = SimulatedPaymentGateway(services.engine, timeout_seconds=5)
    early, taken = _key(), _key()
    await gateway.charge(idempotency_key=taken, amount=AMOUNT, token="tok_ok")

    nothing_yet = await gateway.refund(
        idempotency_key=f"r-{early}", charge_key=early, amount=AMOUNT
    )
    given_back = await gateway.refund(idempotency_key=f"r-{taken}", charge_key=taken, amount=AMOUNT)
    too_late = await gateway.charge(idempotency_key=early, amount=AMOUNT, token="tok_ok")

    assert (nothing_yet, given_back) == (False, True)
    assert not too_late.approved  # a charge that comes after its refund never takes the money
    assert sorted(await _statuses(services, [early, taken])) == ["REFUNDED", "VOIDED"]


async def _refunded(services: Services, charge_key: str) -> int:
    async with services.engine.connect() as conn:
        refunded = await conn.scalar(
            select(simulated_charge_table.c.refunded).where(
                simulated_charge_table.c.idempotency_key == charge_key
            )
        )
    return int(refunded or 0)


async def test_partial_refunds_give_back_once_per_key_and_never_more_than_was_charged(
    services: Services,
) -> None:
    gateway = SimulatedPaymentGateway(services.engine, timeout_seconds=5)
    charge = _key()
    assert (await gateway.charge(idempotency_key=charge, amount=AMOUNT, token="tok_ok")).approved

    def part(n: int, amount: int) -> Awaitable[bool]:
        return gateway.refund_part(
            idempotency_key=f"{charge}-part-{n}", charge_key=charge, amount=Money(amount)
        )

    assert await part(1, 9_000)
    assert list(await asyncio.gather(part(1, 9_000), part(1, 9_000))) == [True, True]  # once
    assert await _refunded(services, charge) == 9_000
    assert not await part(2, 6_001)  # 15,001 in all: beyond the charge, nothing given back
    assert await _refunded(services, charge) == 9_000
    assert not await part(2, 6_000)  # the key's first answer stands
    assert await part(3, 6_000)
    assert await _refunded(services, charge) == 15_000


async def test_a_partial_refund_of_a_charge_never_approved_gives_nothing_back(
    services: Services,
) -> None:
    gateway = SimulatedPaymentGateway(services.engine, timeout_seconds=5)
    declined, missing = _key(), _key()
    await gateway.charge(idempotency_key=declined, amount=AMOUNT, token="tok_decline")

    for charge in (declined, missing):
        assert not await gateway.refund_part(
            idempotency_key=f"{charge}-part-1", charge_key=charge, amount=Money(1_000)
        )
    assert await _refunded(services, declined) == 0
