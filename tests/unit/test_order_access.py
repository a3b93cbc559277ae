"""Who may change an order, against in-memory fakes: each use case that changes one refuses an
order of someone else's as it refuses one that does not exist, and writes nothing
(`domain.access.lock_order_of`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from domain.access import NO_ORDER_OF_YOURS
from domain.actions import ReturnPolicy
from domain.address_change import change_delivery_address
from domain.commands import (
    CancelOrder,
    CancelOrderLines,
    ChangeDeliveryAddress,
    OrderLine,
    RequestReturn,
)
from domain.member import Member, Role, Viewer
from domain.order import Order
from domain.order_return import ReturnReason
from domain.ordering import cancel_order
from domain.partial_cancellation import cancel_order_lines
from domain.pricing import ShippingPolicy
from domain.problems import Problem, ProblemCode, Refused
from domain.returns import request_return
from domain.status import OrderStatus
from tests.unit.fakes import ADDRESS, FakeDatabase, an_order

CUSTOMER = Viewer(Member("m-1", "김민준", None), Role.CUSTOMER)
SOMEONE_ELSE = Viewer(Member("m-2", None, None), Role.CUSTOMER)
ONE_COPY = (OrderLine(1, 1),)

Change = Callable[[Viewer, UUID, FakeDatabase], Awaitable[Order]]
CHANGES: dict[str, Change] = {
    "cancelOrder": lambda viewer, order_id, database: cancel_order(
        CancelOrder(viewer, order_id, None), database.unit_of_work
    ),
    "cancelOrderLines": lambda viewer, order_id, database: cancel_order_lines(
        CancelOrderLines(viewer, order_id, ONE_COPY, None),
        database.unit_of_work,
        ShippingPolicy(),
    ),
    "changeDeliveryAddress": lambda viewer, order_id, database: change_delivery_address(
        ChangeDeliveryAddress(viewer, order_id, dataclasses.replace(ADDRESS, recipient="이서연")),
        database.unit_of_work,
    ),
    "requestReturn": lambda viewer, order_id, database: request_return(
        RequestReturn(viewer, order_id, ONE_COPY, ReturnReason.DAMAGED),
        database.unit_of_work,
        ReturnPolicy(),
        datetime.now(UTC),
    ),
}


@pytest.fixture
def database() -> FakeDatabase:
    database = FakeDatabase()
    database.add_book("채식주의자", 13_500, available=5)
    return database


@pytest.mark.parametrize("change", CHANGES)
async def test_an_order_of_someone_elses_is_refused_as_one_that_does_not_exist(
    change: str, database: FakeDatabase
) -> None:
    order = an_order(database, [(1, 2)], status=OrderStatus.PAID)

    for viewer, order_id in ((SOMEONE_ELSE, order.id), (CUSTOMER, uuid4())):
        with pytest.raises(Refused) as refused:
            await CHANGES[change](viewer, order_id, database)

        assert refused.value.problems == [
            Problem(ProblemCode.NOT_FOUND, NO_ORDER_OF_YOURS, ("id",))
        ]
    assert database.order(order.id) == order
    assert database.tables.outbox == []
