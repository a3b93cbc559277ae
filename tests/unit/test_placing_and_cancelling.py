"""Placing and cancelling orders, against in-memory fakes of the ports: no database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain import ordering
from domain.commands import CancelOrder, OrderLine, PlaceOrder
from domain.member import Member, Role, Viewer
from domain.messages import Event
from domain.money import Money
from domain.order import Address
from domain.ordering import cancel_order, place_order
from domain.problems import ProblemCode, Refused
from domain.status import CancelReason, OrderStatus
from tests.unit.fakes import ADDRESS, FakeDatabase, FakeOrderPlacer, an_order

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
CUSTOMER = Viewer(Member("m-1", "김민준", None), Role.CUSTOMER)
SOMEONE_ELSE = Viewer(Member("m-2", None, None), Role.CUSTOMER)
STAFF = Viewer(Member("s-1", None, None), Role.STAFF)


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    database.add_book("소년이 온다", 14_000, available=5)
    return database


def _place(*lines: tuple[int, int], key: str | None = None, token: str = "tok_ok") -> PlaceOrder:
    return PlaceOrder(CUSTOMER, tuple(OrderLine(p, q) for p, q in lines), ADDRESS, token, key)


async def test_an_order_is_placed_pending_priced_now_with_its_message(
    database: FakeDatabase,
) -> None:
    padded = Address(" 김민준 ", "010-1234-5678", "04524", "세종대로 110", "  ")

    order = await place_order(
        PlaceOrder(
            CUSTOMER, (OrderLine(1, 2), OrderLine(2, 1), OrderLine(1, 1)), padded, None, None
        ),
        FakeOrderPlacer(database.unit_of_work),
        NOW,
    )

    assert order.status is OrderStatus.PENDING
    assert order.total == Money(3 * 13_500 + 14_000)
    assert order.shipping_address == ADDRESS  # kept stripped
    assert order.number.startswith("20261124-")
    assert database.order(order.id) == order
    assert [(i.product_id, i.quantity) for i in database.tables.items[order.id]] == [(1, 3), (2, 1)]
    assert database.sent() == [(Event.ORDER_PLACED, order.id)]


async def test_a_book_that_does_not_exist_is_refused_and_nothing_is_written(
    database: FakeDatabase,
) -> None:
    with pytest.raises(Refused) as refused:
        await place_order(_place((1, 1), (99, 1)), FakeOrderPlacer(database.unit_of_work), NOW)

    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ProblemCode.NOT_FOUND, ("items", "1", "productId"))
    ]
    assert database.tables.orders == {}
    assert database.tables.outbox == []


async def test_the_same_request_sent_again_with_its_key_gets_the_first_order(
    database: FakeDatabase,
) -> None:
    placer = FakeOrderPlacer(database.unit_of_work)
    first = await place_order(_place((1, 1), key="k-1"), placer, NOW)

    again = await place_order(_place((1, 1), key="k-1"), placer, NOW)

    assert again == first
    assert list(database.tables.orders) == [first.id]
    assert database.sent() == [(Event.ORDER_PLACED, first.id)]


async def test_a_key_used_for_a_different_order_is_a_conflict(database: FakeDatabase) -> None:
    placer = FakeOrderPlacer(database.unit_of_work)
    await place_order(_place((1, 1), key="k-1"), placer, NOW)

    with pytest.raises(Refused) as refused:
        await place_order(_place((2, 1), key="k-1"), placer, NOW)

    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ProblemCode.CONFLICT, ("idempotencyKey",))
    ]
    assert len(database.tables.orders) == 1


async def test_a_number_drawn_twice_is_drawn_again(
    database: FakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = an_order(database, [(1, 1)])
    numbers: Iterator[str] = iter([taken.number, "20261124-FRESHONE"])
    monkeypatch.setattr(ordering, "new_order_number", lambda _now: next(numbers))
    placer = FakeOrderPlacer(database.unit_of_work)

    order = await place_order(_place((2, 1)), placer, NOW)

    assert order.number == "20261124-FRESHONE"
    assert [draft.number for draft in placer.drafts] == [taken.number, "20261124-FRESHONE"]
    assert database.order(order.id).number == "20261124-FRESHONE"


async def test_a_customer_cancels_their_order_and_the_workers_are_told(
    database: FakeDatabase,
) -> None:
    placed = an_order(database, [(1, 1)], status=OrderStatus.PAID)

    cancelled = await cancel_order(
        CancelOrder(CUSTOMER, placed.id, "changed my mind"), database.unit_of_work
    )

    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancel_reason is CancelReason.CUSTOMER_REQUEST
    assert database.order(placed.id) == cancelled
    assert [(e.status, e.message) for e in database.tables.history[placed.id]][-1] == (
        OrderStatus.CANCELLED,
        "changed my mind",
    )
    [message] = database.tables.outbox
    assert (message.name, message.order_id, message.payload) == (
        Event.ORDER_CANCELLED,
        placed.id,
        {"reason": "CUSTOMER_REQUEST"},
    )


async def test_staff_may_cancel_anyones_order_with_the_default_words(
    database: FakeDatabase,
) -> None:
    placed = an_order(database, [(1, 1)])

    cancelled = await cancel_order(CancelOrder(STAFF, placed.id, None), database.unit_of_work)

    assert cancelled.status is OrderStatus.CANCELLED
    assert database.tables.history[placed.id][-1].message == "cancelled at the customer's request"


async def test_cancelling_again_answers_the_cancelled_order_and_tells_nobody_twice(
    database: FakeDatabase,
) -> None:
    placed = an_order(database, [(1, 1)])
    first = await cancel_order(CancelOrder(CUSTOMER, placed.id, None), database.unit_of_work)

    again = await cancel_order(CancelOrder(CUSTOMER, placed.id, None), database.unit_of_work)

    assert again == first
    assert database.sent() == [(Event.ORDER_CANCELLED, placed.id)]
    assert len(database.tables.history[placed.id]) == 2


async def test_an_order_picked_up_can_no_longer_be_cancelled(database: FakeDatabase) -> None:
    shipped = an_order(database, [(1, 1)], status=OrderStatus.SHIPPED)

    with pytest.raises(Refused) as refused:
        await cancel_order(CancelOrder(CUSTOMER, shipped.id, None), database.unit_of_work)

    assert [p.code for p in refused.value.problems] == [ProblemCode.INVALID_STATE]
    assert database.order(shipped.id) == shipped
    assert database.tables.outbox == []


async def test_someone_elses_order_is_not_found(database: FakeDatabase) -> None:
    placed = an_order(database, [(1, 1)])

    with pytest.raises(Refused) as refused:
        await cancel_order(CancelOrder(SOMEONE_ELSE, placed.id, None), database.unit_of_work)

    assert [p.code for p in refused.value.problems] == [ProblemCode.NOT_FOUND]
    assert database.order(placed.id).status is OrderStatus.PENDING
