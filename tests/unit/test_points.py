"""Points (적립금) against in-memory fakes: spent when an order is placed, the card charged the
rest, earned once at DELIVERED, given back when the order is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.commands import CancelOrder, OrderLine, PlaceOrder
from domain.member import Member, Role, Viewer
from domain.messages import Event, Message
from domain.moves import keep
from domain.ordering import cancel_order, place_order
from domain.points import PointsEntry, PointsReason
from domain.problems import ProblemCode, Refused
from domain.status import OrderStatus
from domain.steps.payment import PaymentSteps
from tests.unit.fakes import ADDRESS, FakeDatabase, FakeGateway, FakeOrderPlacer, an_order

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
CUSTOMER = Viewer(Member("m-1", "김민준", None), Role.CUSTOMER)


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 12_000, available=5)
    return database


def _balance(database: FakeDatabase, member_id: str = "m-1") -> int:
    return sum(e.amount for e in database.tables.points if e.member_id == member_id)


def _reasons(database: FakeDatabase) -> list[tuple[PointsReason, int]]:
    return [(e.reason, e.amount) for e in database.tables.points]


def _earned(database: FakeDatabase, amount: int) -> None:
    database.tables.points.append(PointsEntry("m-1", uuid4(), PointsReason.EARNED, amount))


def _place(points: int) -> PlaceOrder:
    return PlaceOrder(CUSTOMER, (OrderLine(1, 1),), ADDRESS, "tok_ok", None, points)


async def test_an_order_spends_points_and_the_card_pays_the_rest(database: FakeDatabase) -> None:
    _earned(database, 10_000)
    placer = FakeOrderPlacer(database.unit_of_work)

    order = await place_order(_place(7_250), placer, NOW)

    assert (order.total.amount, order.shipping_fee, order.money.card) == (14_500, 2_500, 7_250)
    assert _reasons(database)[-1] == (PointsReason.SPENT, -7_250)
    assert _balance(database) == 2_750
    gateway = FakeGateway()
    database.tables.orders[order.id] = (
        database.order(order.id).move_to(OrderStatus.STOCK_RESERVED, "reserved").order
    )
    await PaymentSteps(database.unit_of_work, gateway).handle(
        Message(Event.STOCK_RESERVED, order.id)
    )
    assert gateway.charged == [7_250]
    assert database.order(order.id).status is OrderStatus.PAID


async def test_points_short_of_the_order_are_refused_and_nothing_is_written(
    database: FakeDatabase,
) -> None:
    _earned(database, 7_249)

    with pytest.raises(Refused) as refused:
        await place_order(_place(7_250), FakeOrderPlacer(database.unit_of_work), NOW)

    (problem,) = refused.value.problems
    assert (problem.code, problem.field) == (ProblemCode.NOT_ENOUGH_POINTS, ("points",))
    assert database.tables.orders == {}
    assert _balance(database) == 7_249


async def test_points_beyond_the_amount_due_or_negative_are_refused(
    database: FakeDatabase,
) -> None:
    _earned(database, 20_000)
    for points in (14_501, -1):
        with pytest.raises(Refused) as refused:
            await place_order(_place(points), FakeOrderPlacer(database.unit_of_work), NOW)
        assert refused.value.problems[0].field == ("points",)
    assert database.tables.orders == {}


async def test_an_order_paid_all_in_points_is_paid_without_the_gateway(
    database: FakeDatabase,
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.STOCK_RESERVED, points_used=12_000)
    gateway = FakeGateway()

    await PaymentSteps(database.unit_of_work, gateway).handle(
        Message(Event.STOCK_RESERVED, order.id)
    )

    assert database.order(order.id).status is OrderStatus.PAID
    assert database.tables.history[order.id][-1].message == "paid with 12000 points"
    assert (gateway.charges, database.tables.payments) == ([], {})
    assert database.sent() == [(Event.PAYMENT_APPROVED, order.id)]


async def test_cancelling_an_order_gives_its_points_back_once(database: FakeDatabase) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.PAID, points_used=6_000)
    assert _balance(database) == -6_000

    for _ in range(2):
        await cancel_order(CancelOrder(CUSTOMER, order.id, None), database.unit_of_work)

    assert _reasons(database) == [(PointsReason.SPENT, -6_000), (PointsReason.RETURNED, 6_000)]
    assert _balance(database) == 0


async def test_points_are_earned_at_delivered_and_only_once(database: FakeDatabase) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.PREPARING, points_to_earn=600)
    shipped = database.order(order.id).move_to(OrderStatus.SHIPPED, "picked up")
    async with database.unit_of_work() as work:
        await keep(work, shipped)
        await work.commit()
    assert _reasons(database) == []

    delivered = shipped.order.move_to(OrderStatus.DELIVERED, "delivered")
    for _ in range(2):  # the same move kept twice, as a redelivered event would try
        async with database.unit_of_work() as work:
            await keep(work, delivered)
            await work.commit()

    assert _reasons(database) == [(PointsReason.EARNED, 600)]
