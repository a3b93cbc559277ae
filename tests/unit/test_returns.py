"""반품 against in-memory fakes: asking for a return, the carrier's reports of its parcel (once
each, whatever repeats), and what its arrival gives back."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from domain.actions import ReturnPolicy
from domain.commands import OrderLine, RequestReturn
from domain.member import Member, Role, Viewer
from domain.messages import Event
from domain.order import HistoryEntry, Order
from domain.order_return import ReturnReason, ReturnStatus
from domain.points import PointsEntry, PointsReason
from domain.pricing import BookRates, ShippingPolicy
from domain.problems import Problem, ProblemCode, Refused
from domain.returns import follow_return_parcel, request_return
from domain.status import DeliveryStatus, OrderStatus
from domain.steps.tracking import ParcelReport
from tests.unit.fakes import FakeDatabase, an_order

CUSTOMER = Viewer(Member("m-1", "김민준", None), Role.CUSTOMER)
SHIPPING = ShippingPolicy(threshold=15_000, fee=2_500)
RETURNS = ReturnPolicy(days=7, fee=2_500)
TRACKING = "600000000001"


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 10_000, available=10)
    database.add_book("소년이 온다", 10_000, available=10)
    return database


def _delivered(database: FakeDatabase, at: datetime) -> Order:
    """Two books at ₩10,000 earning 5 %, shipped free, delivered at `at`, 1,000 points
    earned."""
    order = an_order(database, [(1, 1), (2, 1)], status=OrderStatus.DELIVERED, points_to_earn=1_000)
    tables = database.tables
    tables.items[order.id] = [
        dataclasses.replace(item, rates=BookRates(0, 500)) for item in tables.items[order.id]
    ]
    tables.history[order.id] = [HistoryEntry(OrderStatus.DELIVERED, "parcel delivered", at)]
    tables.points.append(PointsEntry("m-1", order.id, PointsReason.EARNED, 1_000))
    return order


async def _ask(database: FakeDatabase, order: Order, reason: ReturnReason) -> None:
    await request_return(
        RequestReturn(CUSTOMER, order.id, (OrderLine(2, 1),), reason),
        database.unit_of_work,
        RETURNS,
        datetime.now(UTC),
    )


async def _report(database: FakeDatabase, status: DeliveryStatus, *, again: bool = False) -> bool:
    """The carrier's report of this scan (`again`: the same report, sent twice)."""
    report = ParcelReport(
        TRACKING,
        status,
        "서울강남",
        datetime.now(UTC),
        f"{TRACKING}-{status.value}{'' if again else '-' + str(len(_SENT))}",
        "집화처리",
    )
    _SENT.append(report.event_id)
    async with database.unit_of_work() as work:
        followed = await follow_return_parcel(work, report, SHIPPING, RETURNS)
        await work.commit()
    return followed


_SENT: list[str] = []


def _registered(database: FakeDatabase, order: Order) -> None:
    [asked] = database.tables.returns[order.id]
    database.tables.returns[order.id] = [
        dataclasses.replace(asked, status=ReturnStatus.COLLECTING, tracking_number=TRACKING)
    ]


async def test_a_return_arrives_once_whatever_the_carrier_repeats(database: FakeDatabase) -> None:
    order = _delivered(database, datetime.now(UTC))
    await _ask(database, order, ReturnReason.CHANGE_OF_MIND)
    _registered(database, order)

    for status in (DeliveryStatus.PICKED_UP, DeliveryStatus.PICKED_UP, DeliveryStatus.DELIVERED):
        assert await _report(database, status)
    assert await _report(database, DeliveryStatus.DELIVERED, again=True)  # sent twice
    assert await _report(database, DeliveryStatus.DELIVERED, again=True)
    assert await _report(database, DeliveryStatus.IN_TRANSIT)  # older, arriving late

    received = [m for m in database.tables.outbox if m.name is Event.RETURN_RECEIVED]
    # ₩10,000 less the return fee and the outbound fee: ₩10,000 kept no longer ships free
    assert [m.payload for m in received] == [{"part": 1, "lines": [[2, 1]], "card": 5_000}]
    assert [(e.reason, e.amount, e.part) for e in database.tables.points[1:]] == [
        (PointsReason.TAKEN_BACK, -500, 1)
    ]
    after = database.order(order.id)
    assert (after.total.amount, after.shipping_fee, after.points_to_earn) == (
        10_000 + 2_500 + 2_500,
        5_000,
        500,
    )
    notes = [e.message for e in database.tables.history[order.id]][1:]
    assert [n.split(":")[0] for n in notes] == [
        "return requested",
        "return parcel picked up",
        "return received",
    ]


async def test_a_parcel_that_is_no_return_is_left_to_the_delivery(
    database: FakeDatabase,
) -> None:
    assert not await _report(database, DeliveryStatus.DELIVERED)


async def test_a_damaged_book_comes_back_in_full(database: FakeDatabase) -> None:
    order = _delivered(database, datetime.now(UTC))
    await _ask(database, order, ReturnReason.DAMAGED)
    _registered(database, order)

    await _report(database, DeliveryStatus.DELIVERED)

    [received] = [m for m in database.tables.outbox if m.name is Event.RETURN_RECEIVED]
    assert received.payload["card"] == 10_000


async def test_asking_after_the_period_or_for_copies_on_their_way_back_is_refused(
    database: FakeDatabase,
) -> None:
    late = _delivered(database, datetime.now(UTC) - timedelta(days=9))
    order = _delivered(database, datetime.now(UTC))
    await _ask(database, order, ReturnReason.CHANGE_OF_MIND)

    with pytest.raises(Refused, match="the return period ended on"):
        await _ask(database, late, ReturnReason.CHANGE_OF_MIND)
    with pytest.raises(Refused, match="0 of this book can be returned now, not 1"):
        await _ask(database, order, ReturnReason.CHANGE_OF_MIND)
    assert len(database.tables.returns[order.id]) == 1


async def test_a_return_of_no_line_is_refused(database: FakeDatabase) -> None:
    order = _delivered(database, datetime.now(UTC))

    with pytest.raises(Refused) as refused:
        await request_return(
            RequestReturn(CUSTOMER, order.id, (), ReturnReason.DAMAGED),
            database.unit_of_work,
            RETURNS,
            datetime.now(UTC),
        )

    assert refused.value.problems == [
        Problem(ProblemCode.INVALID_INPUT, "a return names at least one line", ("lines",))
    ]
    assert order.id not in database.tables.returns
