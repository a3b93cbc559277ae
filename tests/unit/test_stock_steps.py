"""The stock step's decisions, against in-memory fakes: reserve all or none, commit, release."""

from __future__ import annotations

import pytest

from domain.messages import Event, Message
from domain.status import CancelReason, OrderStatus
from domain.steps.stock import StockSteps
from tests.unit.fakes import FakeDatabase, an_order


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    database.add_book("소년이 온다", 14_000, available=1)
    return database


def _levels(database: FakeDatabase) -> dict[int, tuple[int, int]]:
    return {p: (s.available, s.reserved) for p, s in database.tables.shelves.items()}


async def test_every_line_is_reserved_and_the_order_moves_on(database: FakeDatabase) -> None:
    order = an_order(database, [(1, 2), (2, 1)])

    await StockSteps(database.unit_of_work).handle(Message(Event.ORDER_PLACED, order.id))

    assert database.order(order.id).status is OrderStatus.STOCK_RESERVED
    assert database.tables.history[order.id][-1].message == "stock reserved"
    assert _levels(database) == {1: (3, 2), 2: (0, 1)}
    assert database.sent() == [(Event.STOCK_RESERVED, order.id)]
    assert database.products_changed == {1, 2}


async def test_one_line_short_reserves_nothing_and_cancels_the_order(
    database: FakeDatabase,
) -> None:
    order = an_order(database, [(1, 2), (2, 2)])

    await StockSteps(database.unit_of_work).handle(Message(Event.ORDER_PLACED, order.id))

    cancelled = database.order(order.id)
    assert (cancelled.status, cancelled.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.OUT_OF_STOCK,
    )
    assert database.tables.history[order.id][-1].message == "out of stock: 소년이 온다"
    assert _levels(database) == {1: (5, 0), 2: (1, 0)}
    assert database.sent() == [(Event.ORDER_CANCELLED, order.id)]


async def test_an_order_cancelled_before_its_stock_was_reserved_holds_nothing(
    database: FakeDatabase,
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.CANCELLED)

    await StockSteps(database.unit_of_work).handle(Message(Event.ORDER_PLACED, order.id))

    assert _levels(database) == {1: (5, 0), 2: (1, 0)}
    assert database.tables.outbox == []


async def test_payment_commits_the_reservation_and_a_cancel_puts_it_back(
    database: FakeDatabase,
) -> None:
    steps = StockSteps(database.unit_of_work)
    order = an_order(database, [(1, 2)])
    await steps.handle(Message(Event.ORDER_PLACED, order.id))

    await steps.handle(Message(Event.PAYMENT_APPROVED, order.id))
    assert _levels(database)[1] == (3, 0)  # gone from the warehouse
    await steps.handle(Message(Event.ORDER_CANCELLED, order.id))
    assert _levels(database)[1] == (5, 0)  # back on the shelf


async def test_a_message_handled_twice_reserves_once(database: FakeDatabase) -> None:
    steps = StockSteps(database.unit_of_work)
    order = an_order(database, [(1, 2)])
    placed = Message(Event.ORDER_PLACED, order.id)

    await steps.handle(placed)
    await steps.handle(placed)

    assert _levels(database)[1] == (3, 2)
    assert database.sent() == [(Event.STOCK_RESERVED, order.id)]


async def test_giving_up_on_a_reservation_cancels_the_order(database: FakeDatabase) -> None:
    order = an_order(database, [(1, 1)])

    parked = await StockSteps(database.unit_of_work).give_up(
        Message(Event.ORDER_PLACED, order.id), "OSError: database down"
    )

    assert parked
    cancelled = database.order(order.id)
    assert cancelled.cancel_reason is CancelReason.OUT_OF_STOCK
    assert database.tables.history[order.id][-1].message == (
        "stock could not be reserved: OSError: database down"
    )
    assert database.sent() == [(Event.ORDER_CANCELLED, order.id)]


@pytest.mark.parametrize("event", [Event.PAYMENT_APPROVED, Event.ORDER_CANCELLED])
async def test_committing_or_releasing_is_never_abandoned(
    database: FakeDatabase, event: Event
) -> None:
    order = an_order(database, [(1, 1)], status=OrderStatus.PAID)

    parked = await StockSteps(database.unit_of_work).give_up(Message(event, order.id), "down")

    assert not parked
    assert database.order(order.id) == order
    assert database.commits == 0
