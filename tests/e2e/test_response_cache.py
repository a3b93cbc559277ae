"""The response cache through the API, on the real Redis and RabbitMQ: answers kept per viewer,
dropped by the events of every committed change and by the viewer's own mutations, a store that
goes down costing no request. The run's other tests keep the cache off (tests/conftest.py): they
write rows straight to the database, which no event announces."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import pytest
from httpx import AsyncClient
from prometheus_client import REGISTRY

from bootstrap import Services
from domain.member import Role
from domain.messages import Consumer, Event, Message
from domain.points import PointsEntry, PointsReason
from domain.status import OrderStatus, PaymentStatus
from infrastructure.auth import mint_token
from infrastructure.settings import Settings
from resolvers.common.ids import to_global_id
from schema.response_cache.hints import FILED_STOCK_BOOKS
from schema.root import OrderServiceSchema
from tests.conftest import REDIS_URL, TEST_JWT_SECRET
from tests.support.apps import AppFactory
from tests.support.cut_proxy import CutProxy
from tests.support.factories import create_member, create_order, create_product, token_for
from tests.support.orders import order_input, place_ok, settled
from tests.support.pipeline import Pipeline
from tests.support.waiting import eventually

ORDER = "query Order($id: ID!) { order(id: $id) { id status payment { status } } }"
ORDERS = "query Orders { orders(first: 10) { edges { node { id status } } } }"
ORDER_WITH_STOCK = """
query Order($id: ID!) { order(id: $id) { items { product { id stock { available } } } } }
"""
POINTS = "{ me { points { balance } } }"
BOOKS = "{ products(first: 2) { edges { node { id title stock { available } } } } }"
ADJUST = """
mutation ($id: ID!, $delta: Int!) {
  adjustStock(productId: $id, delta: $delta) { errors { code } }
}
"""


@pytest.fixture
async def cached(app_with: AppFactory) -> AsyncIterator[AsyncClient]:
    """A client of the app with the response cache on, sharing this run's Redis prefix, so
    that the pipeline's cache consumer drops what it keeps."""
    async with app_with(response_cache=True) as client:
        yield client


async def ask(
    client: AsyncClient, query: str, variables: dict[str, Any] | None = None, token: str = ""
) -> tuple[dict[str, Any], str]:
    """The answer and its Cache-Control header."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json(), response.headers.get("cache-control", "")


def hit(body: dict[str, Any]) -> bool | None:
    cache: dict[str, Any] = body.get("extensions", {}).get("responseCache", {})
    return cache.get("hit")


async def _member_with_order(services: Services) -> tuple[str, str, UUID, int]:
    member = await create_member(services.engine)
    product = await create_product(services.engine, available=50)
    order = await create_order(services.engine, member_id=member, product_ids=[product])
    return member, token_for(TEST_JWT_SECRET, member), order.id, product


async def test_an_answer_is_kept_per_viewer_and_says_so(
    services: Services, cached: AsyncClient
) -> None:
    _, alice, alices_order, _ = await _member_with_order(services)
    _, bob, bobs_order, _ = await _member_with_order(services)

    first, control = await ask(cached, ORDERS, token=alice)
    again, control_again = await ask(cached, ORDERS, token=alice)
    assert (hit(first), hit(again)) == (False, True)
    assert again["data"] == first["data"]
    assert again["extensions"]["responseCache"]["age"] >= 0
    assert control == control_again == "private, max-age=300"
    assert [e["node"]["id"] for e in first["data"]["orders"]["edges"]] == [
        to_global_id("Order", alices_order)
    ]
    # the same query from another member is theirs alone, never alice's answer
    bobs, _ = await ask(cached, ORDERS, token=bob)
    assert hit(bobs) is False
    assert [e["node"]["id"] for e in bobs["data"]["orders"]["edges"]] == [
        to_global_id("Order", bobs_order)
    ]
    # nor alice's order by id, whatever the variables say
    variables = {"id": to_global_id("Order", alices_order)}
    await ask(cached, ORDER, variables, alice)
    alices, _ = await ask(cached, ORDER, variables, alice)
    assert hit(alices) is True
    assert alices["data"]["order"]["id"] == variables["id"]
    theirs, _ = await ask(cached, ORDER, variables, bob)
    assert hit(theirs) is not True
    assert theirs.get("data") != alices["data"]


async def test_variables_nested_too_deep_to_key_are_refused_as_bad_variables(
    services: Services, cached: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """An answer's key holds its variables as JSON, which orjson writes to 255 levels and reads
    to 1,024: variables between the two answered a bare "Recursion limit reached" the first time
    an operation was sent, and HTTP 500 once it had run (the early path's key)."""
    book = to_global_id("Product", await create_product(services.engine))
    query = f"query Deep{uuid4().hex}($id: ID!) {{ product(id: $id) {{ id }} }}"
    deep = json.loads("[" * 300 + "]" * 300)
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        before, _ = await ask(cached, query, {"id": deep})
        await ask(cached, query, {"id": book})
        assert hit((await ask(cached, query, {"id": book}))[0]) is True
        after, control = await ask(cached, query, {"id": deep})
    for refused in (before, after):
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["INVALID_INPUT"], refused
    assert control == "no-store"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_kept_answer_is_refused_to_a_content_type_the_whole_way_refuses(
    cached: AsyncClient,
) -> None:
    """The early path asked only that the Content-Type header hold "application/json", so
    `text/plain; a=application/json`, refused 400 the whole way, was answered from the cache
    once the query had been kept."""
    query = f"query Policy{uuid4().hex} {{ shippingPolicy {{ fee {{ amount }} }} }}"
    await ask(cached, query)
    assert hit((await ask(cached, query))[0]) is True
    body = json.dumps({"query": query})
    for content_type in ("text/plain; a=application/json", "text/plain;application/json"):
        answer = await cached.post("/graphql", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 400, answer.text
        assert answer.json() == {"errors": [{"message": "Unsupported content type"}]}


async def test_a_forged_or_expired_token_never_reads_a_kept_answer(
    services: Services, cached: AsyncClient
) -> None:
    member, alice, _, _ = await _member_with_order(services)
    await ask(cached, ORDERS, token=alice)
    assert hit((await ask(cached, ORDERS, token=alice))[0]) is True
    forged = mint_token(secret="another-secret-" + "y" * 40, member_id=member)
    expired = mint_token(secret=TEST_JWT_SECRET, member_id=member, lifetime=timedelta(seconds=-60))
    for token in (forged, expired):
        body, control = await ask(cached, ORDERS, token=token)
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
        assert hit(body) is None
        assert control in ("", "no-store")


async def test_public_answers_are_shared_and_mutations_are_never_kept(
    services: Services, cached: AsyncClient
) -> None:
    await ask(cached, BOOKS)
    body, control = await ask(cached, BOOKS)
    assert hit(body) is True
    assert control == "public, max-age=10"  # the stock's lifetime: the shortest it holds
    _, alice, _, product = await _member_with_order(services)
    placed = await cached.post(
        "/graphql",
        json={
            "query": "mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) "
            "{ order { id } errors { code } } }",
            "variables": {"input": order_input([(product, 1)])},
        },
        headers={"Authorization": f"Bearer {alice}"},
    )
    assert placed.headers["cache-control"] == "no-store"
    assert "responseCache" not in placed.json().get("extensions", {})


async def test_a_customer_reads_their_own_writes_at_once(
    services: Services, cached: AsyncClient
) -> None:
    """No event is consumed here (no pipeline runs): the mutation drops its viewer's answers."""
    _, alice, _, product = await _member_with_order(services)
    before, _ = await ask(cached, ORDERS, token=alice)
    assert hit((await ask(cached, ORDERS, token=alice))[0]) is True

    placed = await place_ok(cached, alice, [(product, 1)])

    after, _ = await ask(cached, ORDERS, token=alice)
    assert hit(after) is False
    assert len(after["data"]["orders"]["edges"]) == len(before["data"]["orders"]["edges"]) + 1
    assert after["data"]["orders"]["edges"][0]["node"]["id"] == to_global_id("Order", placed)


async def test_a_change_committed_elsewhere_is_read_once_its_event_is_consumed(
    services: Services, cached: AsyncClient, pipeline: Pipeline
) -> None:
    """Committed the way a worker commits (a unit of work, its outbox row with it): the cached
    answer stays until the response cache's consumer drops it, then the change is read."""
    _, alice, order_id, _ = await _member_with_order(services)
    variables = {"id": to_global_id("Order", order_id)}
    await ask(cached, ORDER, variables, alice)
    async with services.unit_of_work() as work:
        await work.payments.settle(order_id, PaymentStatus.REFUNDED)
        await work.commit()
    stale, _ = await ask(cached, ORDER, variables, alice)
    assert hit(stale) is True
    assert stale["data"]["order"]["payment"]["status"] == "APPROVED"

    await pipeline.start([Consumer.CACHE], carrier=False)
    fresh = await eventually(
        lambda: ask(cached, ORDER, variables, alice),
        lambda answer: answer[0]["data"]["order"]["payment"]["status"] == "REFUNDED",
        what="the refund read through the cache",
    )
    assert hit(fresh[0]) is False


async def test_a_points_entry_written_elsewhere_is_read_once_its_event_is_consumed(
    services: Services, cached: AsyncClient, pipeline: Pipeline
) -> None:
    """Points earned the way a worker earns them (an entry in a unit of work that changes
    nothing else): the kept balance stays until the cache's consumer drops it, then it is read."""
    member, alice, order_id, _ = await _member_with_order(services)
    await ask(cached, POINTS, token=alice)
    before, control = await ask(cached, POINTS, token=alice)
    assert (hit(before), before["data"]["me"]["points"]["balance"]) == (True, 0)
    assert control == "private, max-age=300"
    async with services.unit_of_work() as work:
        await work.points.add(PointsEntry(member, order_id, PointsReason.EARNED, 700))
        await work.commit()

    await pipeline.start([Consumer.CACHE], carrier=False)
    fresh = await eventually(
        lambda: ask(cached, POINTS, token=alice),
        lambda answer: answer[0]["data"]["me"]["points"]["balance"] == 700,
        what="the points earned read through the cache",
    )
    assert hit(fresh[0]) is False


async def test_the_workers_moves_are_all_read_through_the_cache(
    services: Services, cached: AsyncClient, pipeline: Pipeline
) -> None:
    """An order placed and carried to PREPARING by the real workers, read all along: the last
    answer is what the database holds, and it is then served from the cache (once the cache's
    consumer has dropped what the last events were about: the answer read just after the last
    commit may be dropped by that commit's event, still on its way)."""
    member = await create_member(services.engine)
    alice = token_for(TEST_JWT_SECRET, member)
    product = await create_product(services.engine, available=5)
    await pipeline.start(carrier=False)
    order_id = await place_ok(cached, alice, [(product, 1)])
    variables = {"id": to_global_id("Order", order_id)}
    await ask(cached, ORDER, variables, alice)
    final = await settled(services, order_id)
    await eventually(
        lambda: ask(cached, ORDER, variables, alice),
        lambda answer: answer[0]["data"]["order"]["status"] == final.status.value,
        what=f"the API answering {final.status.value}",
    )
    kept = await eventually(
        lambda: ask(cached, ORDER, variables, alice),
        lambda answer: hit(answer[0]) is True,
        what="the answer served from the cache",
    )
    assert kept[0]["data"]["order"]["status"] == final.status.value


async def test_a_book_staff_change_is_fresh_in_every_kept_order_page_that_shows_it(
    services: Services, cached: AsyncClient
) -> None:
    _, alice, alices_order, product = await _member_with_order(services)
    bob_id = await create_member(services.engine)
    bobs_order = await create_order(services.engine, member_id=bob_id, product_ids=[product])
    bob = token_for(TEST_JWT_SECRET, bob_id)
    staff = token_for(TEST_JWT_SECRET, "staff-cache", Role.STAFF)
    pages = [(alice, alices_order), (bob, bobs_order.id)]
    for token, order_id in pages:
        await ask(cached, ORDER_WITH_STOCK, {"id": to_global_id("Order", order_id)}, token)
        kept, _ = await ask(
            cached, ORDER_WITH_STOCK, {"id": to_global_id("Order", order_id)}, token
        )
        assert hit(kept) is True
        assert kept["data"]["order"]["items"][0]["product"]["stock"]["available"] == 50

    adjusted, _ = await ask(
        cached, ADJUST, {"id": to_global_id("Product", product), "delta": 7}, staff
    )
    assert adjusted["data"]["adjustStock"]["errors"] == []

    for token, order_id in pages:
        page, _ = await ask(
            cached, ORDER_WITH_STOCK, {"id": to_global_id("Order", order_id)}, token
        )
        assert page["data"]["order"]["items"][0]["product"]["stock"]["available"] == 57


async def test_an_order_showing_stock_is_dropped_by_the_commit_that_changes_that_stock(
    services: Services, cached: AsyncClient
) -> None:
    """Filed under its one book's stock: another customer's reservation of that book, committed
    by the stock worker's step where the response cache is on, drops it at once (no event is
    consumed here). A page showing more books than FILED_STOCK_BOOKS is not filed so, and a
    count there may be STOCK_SECONDS old, as Cache-Control says of both."""
    _, alice, order_id, product = await _member_with_order(services)
    variables = {"id": to_global_id("Order", order_id)}
    await ask(cached, ORDER_WITH_STOCK, variables, alice)
    kept, control = await ask(cached, ORDER_WITH_STOCK, variables, alice)
    assert hit(kept) is True
    assert kept["data"]["order"]["items"][0]["product"]["stock"]["available"] == 50
    assert control == "private, max-age=10"

    bob = await create_member(services.engine)
    bobs = await create_order(
        services.engine, member_id=bob, product_ids=[product], status=OrderStatus.PENDING
    )
    cache_on = services.settings.model_copy(update={"response_cache": True})
    worker = dataclasses.replace(services, settings=cache_on)
    await worker.steps(Consumer.STOCK).handle(Message(Event.ORDER_PLACED, bobs.id))

    fresh, _ = await ask(cached, ORDER_WITH_STOCK, variables, alice)
    assert hit(fresh) is False
    assert fresh["data"]["order"]["items"][0]["product"]["stock"]["available"] == 49

    books = [await create_product(services.engine) for _ in range(FILED_STOCK_BOOKS + 1)]
    many = await create_order(services.engine, member_id=bob, product_ids=books)
    bobs_page = {"id": to_global_id("Order", many.id)}
    token = token_for(TEST_JWT_SECRET, bob)
    await ask(cached, ORDER_WITH_STOCK, bobs_page, token)
    reserving = await create_order(
        services.engine, member_id=bob, product_ids=books[:1], status=OrderStatus.PENDING
    )
    await worker.steps(Consumer.STOCK).handle(Message(Event.ORDER_PLACED, reserving.id))
    assert hit((await ask(cached, ORDER_WITH_STOCK, bobs_page, token))[0]) is True


async def test_redis_going_down_mid_load_loses_no_request(
    services: Services, app_with: AppFactory, settings: Settings
) -> None:
    _, alice, order_id, _ = await _member_with_order(services)
    variables = {"id": to_global_id("Order", order_id)}
    redis = urlsplit(REDIS_URL)
    async with CutProxy.to(redis.hostname or "127.0.0.1", redis.port or 6379) as proxy:
        through = f"redis://127.0.0.1:{proxy.port}{redis.path}"
        async with app_with(response_cache=True, redis_url=through) as client:

            async def reader(count: int) -> list[dict[str, Any]]:
                return [(await ask(client, ORDER, variables, alice))[0] for _ in range(count)]

            before = await asyncio.gather(*(reader(10) for _ in range(4)))
            during = asyncio.gather(*(reader(20) for _ in range(4)))
            await proxy.cut()
            answers = [*before, *await during]
    flat = [answer for batch in answers for answer in batch]
    assert len(flat) == 120
    assert all("errors" not in answer for answer in flat), [a for a in flat if "errors" in a][:1]
    assert {answer["data"]["order"]["id"] for answer in flat} == {variables["id"]}
    assert any(hit(answer) for answer in flat)


async def test_a_hit_is_answered_before_graphql_runs(
    services: Services, cached: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The endpoint's early path: a kept answer is sent without the schema executing anything
    (no parse, no validation, no extension), with the extensions and headers of the whole way."""
    executed: list[str | None] = []
    execute = OrderServiceSchema.execute

    async def counted(self: OrderServiceSchema, query: str | None, *args: Any, **kw: Any) -> Any:
        executed.append(query)
        return await execute(self, query, *args, **kw)

    monkeypatch.setattr(OrderServiceSchema, "execute", counted)
    _, alice, order_id, _ = await _member_with_order(services)
    variables = {"id": to_global_id("Order", order_id)}
    first, control = await ask(cached, ORDER, variables, alice)
    assert (hit(first), executed) == (False, [ORDER])

    timed = REGISTRY.get_sample_value("orders_api_request_seconds_count", {"operation": "Order"})
    again, control_again = await ask(cached, ORDER, variables, alice)
    assert (hit(again), executed) == (True, [ORDER])
    timed_again = REGISTRY.get_sample_value(
        "orders_api_request_seconds_count", {"operation": "Order"}
    )
    assert (timed_again or 0) == (timed or 0) + 1  # timed as the operation it is
    assert again["data"] == first["data"]
    assert control_again == control == "private, max-age=300"
    cost = again["extensions"]["cost"]
    assert cost["actualQueryCost"] == first["extensions"]["cost"]["actualQueryCost"] > 0
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}
    # another viewer's same request goes the whole way, and is theirs alone
    _, bob, _, _ = await _member_with_order(services)
    theirs, _ = await ask(cached, ORDER, variables, bob)
    assert (hit(theirs), executed) == (False, [ORDER, ORDER])


async def test_a_hit_is_charged_its_cost(
    services: Services, cached: AsyncClient, app_with: AppFactory
) -> None:
    """With a bucket that refills (all but) never, kept answers are paid for until it is
    empty, and the client is then refused as on the whole way."""
    _, probe, probed, _ = await _member_with_order(services)
    priced = (await ask(cached, ORDER, {"id": to_global_id("Order", probed)}, probe))[0]
    requested, cost = (
        priced["extensions"]["cost"][k] for k in ("requestedQueryCost", "actualQueryCost")
    )
    capacity = max(requested, 4 * cost)
    _, alice, order_id, _ = await _member_with_order(services)  # a bucket of her own
    variables = {"id": to_global_id("Order", order_id)}
    limited = {"rate_limit_points": capacity, "rate_limit_restore": 1e-6}
    async with app_with(response_cache=True, **limited) as client:
        await ask(client, ORDER, variables, alice)
        answers = []
        for _ in range(capacity // cost + 1):
            response = await client.post(
                "/graphql",
                json={"query": ORDER, "variables": variables},
                headers={"Authorization": f"Bearer {alice}"},
            )
            answers.append(response)
            if response.status_code != 200:
                break
    paid, refused = answers[:-1], answers[-1]
    assert len(paid) == (capacity - cost) // cost
    assert all(hit(answer.json()) for answer in paid)
    left = [a.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] for a in paid]
    assert left == [capacity - cost * n for n in range(2, len(paid) + 2)]
    assert refused.status_code == 429
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["THROTTLED"]
