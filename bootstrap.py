"""The composition root: builds the adapters and wires them into the background roles, their
health server and the operations; `api_app.py` builds the API over the same services. The entry
points (main.py, tests) call these only; main.py builds nothing itself.

A worker, relay or carrier process and every operation import this module and not `api_app`,
so they load no strawberry, graphql-core, schema or resolvers (tests/unit/test_role_imports.py).
What only some of them use is imported by the function that builds it: the health checks and
their server (Starlette and uvicorn, where a health port is set), the carrier's webhook client
(httpx, which loads click, rich and pygments with it) and the migrations (alembic).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING
from uuid import UUID

from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.answers import AnswerStore, of_order_event, stock_of
from domain.messages import Consumer
from domain.ports import PaymentGateway, UnitOfWork
from domain.steps.base import Steps, flag_for_operator
from domain.steps.delivery import DeliverySteps
from domain.steps.payment import PaymentSteps
from domain.steps.stock import StockSteps
from infrastructure.auth import JwtVerifier, mint_token
from infrastructure.cache import Cache, create_cache
from infrastructure.cache.guarded import GuardedCache, create_guarded_cache
from infrastructure.cache.products import ProductCache
from infrastructure.carrier.simulated import CarrierClock, SimulatedCarrier
from infrastructure.crash_points import CrashPoints
from infrastructure.database.attention import MarkedOrder, orders_needing_attention, resolve
from infrastructure.database.engine import create_engine, single_statements
from infrastructure.database.members import CachedMemberDirectory
from infrastructure.database.read_store import SqlReadStore
from infrastructure.database.seed import seed_demo_catalogue
from infrastructure.database.unit_of_work import ProductsChanged, SqlUnitOfWork
from infrastructure.messaging.broker import Broker
from infrastructure.messaging.memory import InMemoryBroker
from infrastructure.messaging.rabbitmq import RabbitBroker
from infrastructure.messaging.relay import OutboxRelay
from infrastructure.messaging.topology import Names
from infrastructure.messaging.worker import StepWorker
from infrastructure.payment.simulated_gateway import SimulatedPaymentGateway
from infrastructure.rate_limit import MemoryRateLimiter, RedisRateLimiter
from infrastructure.response_cache.invalidation import ResponseCacheInvalidation
from infrastructure.response_cache.memory_store import MemoryAnswerStore
from infrastructure.response_cache.redis_store import RedisAnswerStore
from infrastructure.response_cache.store import Bounds
from infrastructure.settings import Settings
from infrastructure.status_feed import MemoryStatusFeed, RedisStatusFeed
from infrastructure.stopping import sleep_unless_stopped
from resolvers.ports import MemberDirectory, RateLimiter, ReadStore, StatusFeed, TokenVerifier

if TYPE_CHECKING:
    import httpx
    import uvicorn

    from infrastructure.observability.health import Health

log = logging.getLogger("orders")

MEMBER_CACHE_TTL_SECONDS = 3600
MEMBERS_KEPT = 10_000
"""Orders whose member a process remembers (`Services.member_of`): an order raises about five
events on its way to PREPARING, and its steps commit as many times."""


def _broker(settings: Settings, crash: CrashPoints) -> Broker:
    if settings.amqp_url.startswith("memory://"):
        return InMemoryBroker(prefetch=settings.prefetch)
    return RabbitBroker(
        settings.amqp_url,
        Names(settings.amqp_prefix),
        retry_delays=settings.retry_delays,
        prefetch=settings.prefetch,
        publish_timeout=settings.publish_timeout_seconds,
        crash=crash,
        queue_type=settings.queue_type,
        delivery_limit=settings.delivery_limit,
    )


def _rate_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url.startswith("memory://"):
        return MemoryRateLimiter(
            capacity=settings.rate_limit_points, restore_rate=settings.rate_limit_restore
        )
    return RedisRateLimiter(
        settings.redis_url,
        settings.cache_prefix,
        capacity=settings.rate_limit_points,
        restore_rate=settings.rate_limit_restore,
    )


def _answer_store(settings: Settings) -> AnswerStore:
    bounds = Bounds(settings.response_cache_entries, settings.response_cache_entry_bytes)
    if settings.redis_url.startswith("memory://"):
        return MemoryAnswerStore(bounds)
    return RedisAnswerStore(settings.redis_url, settings.cache_prefix, bounds)


@dataclass
class Services:
    """What the roles run on, typed by the ports they are used through: a real payment gateway,
    rate limiter or status feed plugs in here without a change to this class. The carrier is
    the simulated one: its clock (`carrier_clock`) is part of the simulation."""

    settings: Settings
    engine: AsyncEngine
    cache: Cache
    product_cache: GuardedCache
    store: ReadStore
    products_changed: ProductsChanged
    """Drops changed products from the read path's cache (`SqlReadStore.forget_products`)."""
    members: MemberDirectory
    verifier: TokenVerifier
    broker: Broker
    relay: OutboxRelay
    gateway: PaymentGateway
    carrier: SimulatedCarrier
    crash: CrashPoints
    rate_limiter: RateLimiter
    status_feed: StatusFeed
    responses: AnswerStore

    def unit_of_work(self) -> UnitOfWork:
        return self._unit_of_work(self.engine)

    @cached_property
    def _single_statements(self) -> AsyncEngine:
        return single_statements(self.engine)

    def auto_committed_unit_of_work(self) -> UnitOfWork:
        """A unit whose statements each commit on their own (on PostgreSQL; `single_statements`):
        for a step's decide that only reads, which then costs no BEGIN and COMMIT."""
        return self._unit_of_work(self._single_statements)

    def _unit_of_work(self, engine: AsyncEngine) -> UnitOfWork:
        """A unit on `engine` that tells the caches, the status feed and the relay what its
        commit changed."""
        return SqlUnitOfWork(
            engine,
            products_changed=self.books_changed,
            orders_changed=self.status_feed.announce,
            outbox_written=self.relay.wake,
            answers_changed=self.drop_answers,
        )

    async def books_changed(self, product_ids: list[int]) -> None:
        """Right after a commit that changed books (their stock, mostly): the product cache
        forgets them, then the kept answers showing their stock go, where the response cache is
        on (best effort: a lost drop leaves a count as old as `STOCK_SECONDS` at most). In this
        order, an answer read after the drop reads the books afresh."""
        await self.products_changed(product_ids)
        if self.settings.response_cache:
            await self.responses.invalidate_now([stock_of(book) for book in product_ids])

    async def drop_answers(self, order_ids: list[UUID]) -> None:
        """Right after a commit, the kept answers holding its orders go, so that a reader does
        not wait for the relay and the cache's consumer (which drop them again: a process that
        dies before this line loses nothing). Only where the response cache is on."""
        if not self.settings.response_cache:
            return
        tags: set[str] = set()
        for order_id in order_ids:
            tags.update(of_order_event(order_id, await self.member_of(order_id)))
        await self.responses.invalidate_now(sorted(tags))

    def steps(self, consumer: Consumer) -> Steps:
        if consumer is Consumer.STOCK:
            return StockSteps(self.unit_of_work)
        if consumer is Consumer.PAYMENT:
            return PaymentSteps(self.unit_of_work, self.gateway, self.auto_committed_unit_of_work)
        if consumer is Consumer.CACHE:
            return ResponseCacheInvalidation(self.responses, self.member_of, self.crash)
        settings = self.settings
        return DeliverySteps(
            self.unit_of_work,
            self.carrier,
            self.auto_committed_unit_of_work,
            settings.shipping_policy,
            settings.return_policy,
        )

    @cached_property
    def _members_of_orders(self) -> LRUCache[UUID, str]:
        return LRUCache(MEMBERS_KEPT)

    async def member_of(self, order_id: UUID) -> str | None:
        """The member whose order this is; None for an order not found (asked again next
        time). Remembered: the drop right after each commit and the cache's consumer ask it of
        every change of an order, and an order's member never changes."""
        member = self._members_of_orders.get(order_id)
        if member is None:
            orders = await self.store.orders_by_ids([order_id])
            if orders:
                member = self._members_of_orders[order_id] = orders[0].member_id
        return member

    def health(self, *, serving_api: bool = False) -> Health:
        """Readiness: the database, the cache and the broker answer (and, in a worker, the
        broker sees this process's consumers). The API reports all three but needs only the
        database to be ready: it serves without the cache (fail open) and takes orders while
        the broker is away (the outbox keeps them), so a Redis or RabbitMQ outage must not
        make a balancer take every API process out of rotation."""
        from infrastructure.observability.health import Health, database_check

        checks = {
            "database": database_check(self.engine),
            "cache": self.cache.ping,
            "broker": self.broker.healthy,
        }
        required = frozenset({"database"}) if serving_api else frozenset(checks)
        return Health(self.engine, checks, required)

    async def seed_demo(self) -> int:
        """The demo catalogue into this database (books present are left alone)."""
        return await seed_demo_catalogue(self.engine)

    def mint_token(self, member_id: str, name: str | None) -> str:
        """A development token for the web page's demo sign-in."""
        return mint_token(secret=self.settings.effective_jwt_secret, member_id=member_id, name=name)

    def carrier_clock(self, transport: httpx.AsyncBaseTransport | None = None) -> CarrierClock:
        """The simulated carrier's clock, reporting through our webhook (over `transport`
        when given, as tests do in-process; over the network otherwise)."""
        from infrastructure.carrier.webhook_client import WebhookReporter

        settings = self.settings
        reporter = WebhookReporter(
            settings.effective_webhook_url, settings.effective_webhook_secret, transport
        )
        step = timedelta(seconds=settings.carrier_step_seconds)
        return CarrierClock(self.carrier, reporter, step)

    async def close(self) -> None:
        await self.broker.close()
        await self.rate_limiter.close()
        await self.status_feed.close()
        await self.cache.close()
        await self.product_cache.close()
        await self.responses.close()
        await self.engine.dispose()


def build_services(settings: Settings) -> Services:
    pool = settings.database_pool_size
    engine = create_engine(settings.database_url, pool_size=pool, max_overflow=pool)
    cache = create_cache(settings.redis_url, settings.cache_prefix)
    crash = CrashPoints(settings.crash_at, settings.crash_marker)
    broker = _broker(settings, crash)
    product_cache = create_guarded_cache(
        settings.redis_url, settings.cache_prefix, settings.product_cache_ttl
    )
    store = SqlReadStore(engine, ProductCache(product_cache))
    return Services(
        settings=settings,
        engine=engine,
        cache=cache,
        product_cache=product_cache,
        store=store,
        products_changed=store.forget_products,
        members=CachedMemberDirectory(engine, cache, MEMBER_CACHE_TTL_SECONDS),
        verifier=JwtVerifier(settings.effective_jwt_secret),
        broker=broker,
        relay=OutboxRelay(engine, broker, poll_seconds=settings.relay_poll_seconds, crash=crash),
        gateway=SimulatedPaymentGateway(
            engine,
            timeout_seconds=settings.gateway_timeout_seconds,
            weather_file=settings.simulated_gateway_weather,
            crash=crash,
        ),
        crash=crash,
        carrier=SimulatedCarrier(
            engine,
            timedelta(seconds=settings.carrier_step_seconds),
            give_up_after=timedelta(seconds=settings.carrier_report_give_up_seconds),
        ),
        rate_limiter=_rate_limiter(settings),
        status_feed=(
            MemoryStatusFeed()
            if settings.redis_url.startswith("memory://")
            else RedisStatusFeed(settings.redis_url, settings.cache_prefix)
        ),
        responses=_answer_store(settings),
    )


@dataclass
class Background:
    """Workers, the relay and the carrier clock running in this process."""

    services: Services
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    failed: bool = False

    async def start(
        self,
        consumers: Sequence[Consumer],
        *,
        relay: bool,
        carrier: bool,
        carrier_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        services = self.services
        if consumers:
            await services.broker.start()
        for consumer in consumers:
            worker = StepWorker(
                services.steps(consumer),
                services.broker,
                services.settings.retry_delays,
                flag_for_operator(services.unit_of_work),
                services.crash,
            )
            await worker.start()
        if consumers:
            self.tasks.append(asyncio.create_task(self._watch_consumers()))
        if relay:
            self.tasks.append(asyncio.create_task(services.relay.run(self.stop)))
        if carrier:
            clock = services.carrier_clock(carrier_transport)
            self.tasks.append(asyncio.create_task(clock.run(self.stop)))

    async def _watch_consumers(self) -> None:
        """aio-pika's robust connection can come back from a broker restart without its
        consumers. Seen twice in a row, that stops the process with `failed` set (exit code 3),
        so that its supervisor starts a fresh one. Runs wherever this process consumes."""
        strikes = 0
        while not await sleep_unless_stopped(
            self.stop, self.services.settings.consumer_check_seconds
        ):
            missing = await self.services.broker.consumers_missing()
            strikes = strikes + 1 if missing else 0
            if strikes >= 2:
                log.error("connected but nobody consumes %s: stopping for a restart", missing)
                self.failed = True
                self.stop.set()

    async def shutdown(self) -> None:
        """Stop taking messages, finish those in hand, stop the loops, close connections."""
        await self.services.broker.stop_consuming()
        self.stop.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def settle_garbage_collector() -> None:
    """Freeze what start-up allocated (the schema, the modules) out of the collector's sight,
    so that full collections no longer walk it. Raising the collection thresholds as well made
    no measurable difference here and let the heap grow run after run (docs/BENCHMARKS.md)."""
    gc.collect()
    gc.freeze()


def health_server(services: Services, port: int) -> uvicorn.Server:
    """/healthz, /readyz and /metrics of a worker, relay or carrier process, within the API's
    limits on requests. uvicorn takes SIGTERM while it serves, stops, and raises it again for
    the caller's own handler. The web server is imported when one is built: a process without
    a health port loads none."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    from infrastructure.http.request_limits import HeaderCountLimit
    from infrastructure.http_server import server_options

    settings = services.settings
    app = Starlette(
        routes=services.health().routes(),
        middleware=[Middleware(HeaderCountLimit, max_headers=settings.max_headers)],
    )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=port,
        log_level="warning",
        log_config=None,  # our logging
        **server_options(settings),
    )
    return uvicorn.Server(config)


def migrate_database(settings: Settings) -> None:
    from infrastructure.database.migrate import upgrade_to_head

    upgrade_to_head(settings.database_url)


async def database_migrated(settings: Settings) -> bool:
    from infrastructure.database.migrate import at_head

    return await at_head(settings.database_url)


async def seed_database(settings: Settings) -> int:
    """The demo catalogue into the database (books present are left alone): how many added."""
    engine = create_engine(settings.database_url)
    try:
        return await seed_demo_catalogue(engine)
    finally:
        await engine.dispose()


async def marked_orders(services: Services, limit: int) -> list[MarkedOrder]:
    """The orders marked for an operator, and why."""
    return await orders_needing_attention(services.engine, limit)


async def clear_mark(settings: Settings, order_id: UUID) -> bool:
    """Clear an order's needs-attention mark; False when it was not marked."""
    engine = create_engine(settings.database_url)
    try:
        return await resolve(engine, order_id)
    finally:
        await engine.dispose()
