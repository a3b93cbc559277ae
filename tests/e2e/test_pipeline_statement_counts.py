"""What each step of the pipeline costs the database, carrying one order from placed to
PREPARING with its stock committed: statements and transactions, counted at the driver (a
count, not a time: `bench.pipeline_statements` measures the same for the relay and workers
together, docs/BENCHMARKS.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

import pytest
from httpx import AsyncClient

from bootstrap import Services
from domain.messages import Consumer, Event, Message
from domain.status import OrderStatus
from tests.support.factories import create_product, random_member_id, token_for
from tests.support.orders import place_ok, read_order
from tests.support.statements import StatementLog


@dataclass(frozen=True)
class Cost:
    statements: int
    transactions: int


HOT_PATH: tuple[tuple[Consumer, Event, Cost], ...] = (
    # claim and lock in one statement; lines, reservation, status, history, stock.reserved
    (Consumer.STOCK, Event.ORDER_PLACED, Cost(6, 1)),
    # seen and lock in one; the attempt, order.changed / the gateway's charge and settle
    # (auto-committed) / claim and lock in one; approve and its payment event, status,
    # history, payment.approved
    (Consumer.PAYMENT, Event.STOCK_RESERVED, Cost(11, 2)),
    # claim; the reservation read, the stock rows, the reservation's status
    (Consumer.STOCK, Event.PAYMENT_APPROVED, Cost(4, 1)),
    # the order and seen, auto-committed / the carrier's registration (auto-committed) / claim
    # and lock in one; no parcel yet, parcel, its first event, status, history, order.changed
    (Consumer.DELIVERY, Event.PAYMENT_APPROVED, Cost(9, 1)),
)
"""Per step: statements and BEGIN … COMMIT transactions."""


async def _placed(client: AsyncClient, services: Services) -> UUID:
    member_id = random_member_id()
    token = token_for(services.settings.effective_jwt_secret, member_id)
    products = [await create_product(services.engine) for _ in range(3)]
    return await place_ok(client, token, [(product, 1) for product in products])


@pytest.mark.in_process
async def test_each_step_of_an_order_costs_its_counted_statements(
    client: AsyncClient, services: Services, statements: StatementLog
) -> None:
    order_id = await _placed(client, services)
    costs: list[tuple[Consumer, Event, Cost]] = []
    for consumer, event, _ in HOT_PATH:
        statements.clear()
        await services.steps(consumer).handle(Message(event, order_id))
        costs.append((consumer, event, Cost(statements.count(), statements.transactions)))

    assert (await read_order(services, order_id)).status is OrderStatus.PREPARING
    assert costs == list(HOT_PATH), costs


@pytest.mark.in_process
async def test_a_step_delivered_again_is_absorbed_by_one_statement(
    client: AsyncClient, services: Services, statements: StatementLog
) -> None:
    """The inbox's check (or claim) and the order's lock are one statement: it still finds
    the first copy and stops there."""
    order_id = await _placed(client, services)
    messages = [(consumer, Message(event, order_id)) for consumer, event, _ in HOT_PATH]
    for consumer, message in messages:
        await services.steps(consumer).handle(message)
    history = await services.store.history_by_order_ids([order_id])

    for consumer, message in messages:
        statements.clear()
        await services.steps(consumer).handle(message)
        assert statements.count() == 1, (consumer, message.name, statements.statements)

    assert await services.store.history_by_order_ids([order_id]) == history


@pytest.mark.in_process
async def test_the_response_cache_reads_an_orders_member_once(
    client: AsyncClient, services: Services, statements: StatementLog
) -> None:
    """Its consumer hears every event of an order, and the order's member never changes."""
    order_id = await _placed(client, services)
    cache = services.steps(Consumer.CACHE)
    statements.clear()

    for event in (Event.ORDER_PLACED, Event.STOCK_RESERVED, Event.PAYMENT_APPROVED):
        await cache.handle(Message(event, order_id))

    assert len(statements.touching("orders")) == statements.count() == 1


@pytest.mark.in_process
async def test_the_drop_right_after_each_commit_reads_an_orders_member_once(
    client: AsyncClient, services: Services, statements: StatementLog
) -> None:
    """Where the response cache is on, the process that commits drops the answers of the orders
    it changed, once a commit: an order's steps commit about five times."""
    order_id = await _placed(client, services)
    cache_on = services.settings.model_copy(update={"response_cache": True})
    committing = replace(services, settings=cache_on)
    statements.clear()

    for _ in range(3):
        await committing.drop_answers([order_id])

    assert len(statements.touching("orders")) == statements.count() == 1
