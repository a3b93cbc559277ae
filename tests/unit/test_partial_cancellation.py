"""부분취소 against in-memory fakes: the use case's refusals and decisions, and the stock and
payment steps that give back exactly the copies and the card's part, once."""

from __future__ import annotations

import pytest

from domain.commands import CancelOrder, CancelOrderLines, OrderLine
from domain.member import Member, Role, Viewer
from domain.messages import Event, Message
from domain.money import Money
from domain.order import Order
from domain.ordering import cancel_order
from domain.partial_cancellation import cancel_order_lines
from domain.points import PointsReason
from domain.ports import TransientFault
from domain.pricing import ShippingPolicy
from domain.problems import Problem, ProblemCode, Refused
from domain.status import CancelReason, OrderStatus, PaymentStatus
from domain.steps.payment import PaymentSteps
from domain.steps.stock import StockSteps
from tests.unit.fakes import FakeDatabase, FakeGateway, FakeOrders, an_order

CUSTOMER = Viewer(Member("m-1", "김민준", None), Role.CUSTOMER)
POLICY = ShippingPolicy(threshold=15_000, fee=2_500)


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 8_000, available=10)
    database.add_book("소년이 온다", 5_000, available=10)
    database.add_book("작별하지 않는다", 9_000, available=10)
    return database


async def _paid(database: FakeDatabase, *lines: tuple[int, int], points: int = 0) -> Order:
    """An order through stock and payment, as the workers would take it: reserved, charged,
    committed."""
    order = an_order(database, list(lines), points_used=points)
    gateway = FakeGateway()
    await StockSteps(database.unit_of_work).handle(Message(Event.ORDER_PLACED, order.id))
    await PaymentSteps(database.unit_of_work, gateway).handle(
        Message(Event.STOCK_RESERVED, order.id)
    )
    await StockSteps(database.unit_of_work).handle(Message(Event.PAYMENT_APPROVED, order.id))
    assert database.order(order.id).status is OrderStatus.PAID
    return database.order(order.id)


def _cancel(order: Order, *lines: tuple[int, int]) -> CancelOrderLines:
    return CancelOrderLines(CUSTOMER, order.id, tuple(OrderLine(p, q) for p, q in lines), None)


def _message(database: FakeDatabase) -> Message:
    return next(m for m in database.tables.outbox if m.name is Event.ORDER_LINES_CANCELLED)


async def _follow(database: FakeDatabase, gateway: FakeGateway) -> None:
    """The stock and payment steps take the partial cancellation's message, each twice (a
    redelivery)."""
    message = _message(database)
    for _ in range(2):
        await StockSteps(database.unit_of_work).handle(message)
        await PaymentSteps(database.unit_of_work, gateway).handle(message)


async def test_one_line_of_three_refunds_that_line_releases_its_copies_and_keeps_free_shipping(
    database: FakeDatabase,
) -> None:
    order = await _paid(database, (1, 1), (2, 1), (3, 1))
    gateway = FakeGateway()

    after = await cancel_order_lines(_cancel(order, (2, 1)), database.unit_of_work, POLICY)

    assert (after.status, after.total.amount, after.shipping_fee) == (OrderStatus.PAID, 17_000, 0)
    assert [(i.product_id, i.quantity) for i in database.tables.items[order.id]] == [(1, 1), (3, 1)]
    assert database.tables.history[order.id][-1].message == (
        "cancelled at the customer's request: 1 of 소년이 온다 (back: ₩5,000 to the card, 0 points)"
    )
    assert _message(database).payload == {"part": 1, "lines": [[2, 1]], "card": 5_000}
    await _follow(database, gateway)
    assert gateway.parts == [(f"refund-{order.id}-part-1", 5_000)]
    assert database.tables.payments[order.id].refunded == 5_000
    assert [database.tables.shelves[p].available for p in (1, 2, 3)] == [9, 10, 9]


async def test_falling_below_the_threshold_takes_the_fee_from_the_refund(
    database: FakeDatabase,
) -> None:
    order = await _paid(database, (1, 1), (3, 1))  # 17,000: free shipping
    gateway = FakeGateway()

    after = await cancel_order_lines(_cancel(order, (1, 1)), database.unit_of_work, POLICY)

    assert (after.total.amount, after.shipping_fee, after.money.card) == (11_500, 2_500, 11_500)
    await _follow(database, gateway)
    assert gateway.parts == [(f"refund-{order.id}-part-1", 5_500)]


async def test_part_of_a_lines_copies_and_points_coming_back_last(database: FakeDatabase) -> None:
    order = await _paid(database, (1, 3), points=20_000)  # 24,000: 4,000 by card
    gateway = FakeGateway()

    after = await cancel_order_lines(_cancel(order, (1, 2)), database.unit_of_work, POLICY)

    assert (after.total.amount, after.points_used, after.money.card) == (10_500, 10_500, 0)
    entries = [(e.reason, e.amount, e.part) for e in database.tables.points]
    assert entries[-1] == (PointsReason.RETURNED, 9_500, 1)
    await _follow(database, gateway)
    assert gateway.parts == [(f"refund-{order.id}-part-1", 4_000)]
    assert [(h.product_id, h.quantity, h.status) for h in database.tables.held[order.id]] == [
        (1, 1, "COMMITTED")
    ]
    assert database.tables.shelves[1].available == 9


async def test_cancelling_every_copy_cancels_the_order(database: FakeDatabase) -> None:
    order = await _paid(database, (1, 1), (2, 2))

    after = await cancel_order_lines(_cancel(order, (1, 1), (2, 2)), database.unit_of_work, POLICY)

    assert (after.status, after.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.CUSTOMER_REQUEST,
    )
    assert database.sent()[-1] == (Event.ORDER_CANCELLED, order.id)


async def test_a_whole_cancellation_after_a_partial_one_refunds_what_is_left(
    database: FakeDatabase,
) -> None:
    order = await _paid(database, (1, 1), (3, 1))
    gateway = FakeGateway()
    await cancel_order_lines(_cancel(order, (1, 1)), database.unit_of_work, POLICY)
    await _follow(database, gateway)

    await cancel_order(CancelOrder(CUSTOMER, order.id, None), database.unit_of_work)
    cancelled = Message(Event.ORDER_CANCELLED, order.id)
    await StockSteps(database.unit_of_work).handle(cancelled)
    await PaymentSteps(database.unit_of_work, gateway).handle(cancelled)

    assert database.tables.payments[order.id].left == Money(17_000 - 5_500)
    assert database.tables.payments[order.id].status is PaymentStatus.REFUNDED
    assert [database.tables.shelves[p].available for p in (1, 3)] == [10, 10]


async def test_a_whole_refund_waits_for_a_part_refund_still_on_its_way(
    database: FakeDatabase,
) -> None:
    """The order cancelled whole while its partial cancellation's refund is not settled yet
    (the payment worker takes both messages at once): refunding what the payment's record
    says is left would ask the gateway for the part again, and show it refunded twice."""
    order = await _paid(database, (1, 1), (3, 1))
    gateway = FakeGateway()
    await cancel_order_lines(_cancel(order, (1, 1)), database.unit_of_work, POLICY)
    await cancel_order(CancelOrder(CUSTOMER, order.id, None), database.unit_of_work)
    cancelled = Message(Event.ORDER_CANCELLED, order.id)

    with pytest.raises(TransientFault, match="partial refund"):
        await PaymentSteps(database.unit_of_work, gateway).handle(cancelled)
    assert gateway.refunds == []
    await PaymentSteps(database.unit_of_work, gateway).handle(_message(database))
    await PaymentSteps(database.unit_of_work, gateway).handle(cancelled)

    assert [amount for _, amount in gateway.parts] == [8_000 - 2_500]
    assert gateway.refunded == [17_000 - 5_500]
    assert database.tables.payments[order.id].status is PaymentStatus.REFUNDED


async def test_copies_beyond_the_line_and_books_not_in_the_order_are_refused(
    database: FakeDatabase,
) -> None:
    order = await _paid(database, (1, 2))
    await cancel_order_lines(_cancel(order, (1, 1)), database.unit_of_work, POLICY)

    with pytest.raises(Refused) as refused:
        await cancel_order_lines(_cancel(order, (1, 2), (2, 1)), database.unit_of_work, POLICY)

    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ProblemCode.INVALID_STATE, ("lines", "0", "quantity")),
        (ProblemCode.NOT_FOUND, ("lines", "1", "productId")),
    ]
    assert database.order(order.id).partial_cancellations == 1


async def test_a_partial_cancellation_of_no_line_is_refused(database: FakeDatabase) -> None:
    order = await _paid(database, (1, 2))

    with pytest.raises(Refused) as refused:
        await cancel_order_lines(_cancel(order), database.unit_of_work, POLICY)

    assert refused.value.problems == [
        Problem(
            ProblemCode.INVALID_INPUT, "a partial cancellation names at least one line", ("lines",)
        )
    ]


async def test_a_refused_line_is_named_by_its_place_in_the_request_when_a_book_comes_twice(
    database: FakeDatabase,
) -> None:
    order = await _paid(database, (1, 1), (3, 2))

    with pytest.raises(Refused) as refused:
        await cancel_order_lines(
            _cancel(order, (3, 1), (3, 1), (1, 2), (2, 1)), database.unit_of_work, POLICY
        )

    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ProblemCode.INVALID_STATE, ("lines", "2", "quantity")),
        (ProblemCode.NOT_FOUND, ("lines", "3", "productId")),
    ]


@pytest.mark.parametrize(
    "status", [OrderStatus.PENDING, OrderStatus.STOCK_RESERVED, OrderStatus.SHIPPED]
)
async def test_before_payment_and_after_pickup_a_line_is_not_cancelled(
    database: FakeDatabase, status: OrderStatus
) -> None:
    order = an_order(database, [(1, 1), (2, 1)], status=status)

    with pytest.raises(Refused) as refused:
        await cancel_order_lines(_cancel(order, (1, 1)), database.unit_of_work, POLICY)

    assert refused.value.problems[0].code is ProblemCode.INVALID_STATE
    assert database.tables.outbox == []


async def test_a_refused_part_marks_the_order_for_an_operator(database: FakeDatabase) -> None:
    order = await _paid(database, (1, 1), (3, 1))
    await cancel_order_lines(_cancel(order, (3, 1)), database.unit_of_work, POLICY)

    await PaymentSteps(database.unit_of_work, FakeGateway(refunds=False)).handle(_message(database))

    assert "refused partial refund 1" in database.tables.attention[order.id]
    assert database.tables.payments[order.id].refunded == 0


async def test_a_key_another_orders_change_kept_meanwhile_is_a_conflict_and_changes_nothing(
    database: FakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await _paid(database, (1, 2)), await _paid(database, (1, 2))
    asked = (OrderLine(1, 1),)
    await cancel_order_lines(
        CancelOrderLines(CUSTOMER, first.id, asked, None, "k-1"), database.unit_of_work, POLICY
    )

    async def not_kept_yet(self: FakeOrders, member_id: str, key: str) -> None:
        """What the second request read before the first one's commit: no key."""

    monkeypatch.setattr(FakeOrders, "request_with_key", not_kept_yet)
    with pytest.raises(Refused) as refused:
        await cancel_order_lines(
            CancelOrderLines(CUSTOMER, second.id, asked, None, "k-1"),
            database.unit_of_work,
            POLICY,
        )

    assert refused.value.problems == [
        Problem(
            ProblemCode.CONFLICT,
            "this idempotency key was used for a different request; use a new key",
            ("idempotencyKey",),
        )
    ]
    assert database.order(second.id) == second
    assert database.sent().count((Event.ORDER_LINES_CANCELLED, second.id)) == 0
