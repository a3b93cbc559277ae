"""The composition root: builds the adapters and wires them into the app, the background roles
and the operations. The entry points (main.py, tests) call this only; main.py builds nothing
itself."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields
from datetime import timedelta
from functools import cached_property
from uuid import UUID

import httpx
import uvicorn
from cachetools import LRUCache
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

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
from infrastructure.carrier.webhook_client import WebhookReporter
from infrastructure.crash_points import CrashPoints
from infrastructure.database.attention import MarkedOrder, orders_needing_attention, resolve
from infrastructure.database.engine import create_engine, single_statements
from infrastructure.database.members import CachedMemberDirectory
from infrastructure.database.migrate import at_head, upgrade_to_head
from infrastructure.database.placement import order_placer
from infrastructure.database.read_store import SqlReadStore
from infrastructure.database.seed import seed_demo_catalogue
from infrastructure.database.unit_of_work import ProductsChanged, SqlUnitOfWork
from infrastructure.draining import drain_on_signals
from infrastructure.graphql_execution import CompiledExecutionContext
from infrastructure.http.body_limit import BodySizeLimit
from infrastructure.http.endpoint import GraphQLEndpoint
from infrastructure.http.graphiql import graphiql_routes
from infrastructure.http.request_limits import ClientDisconnects, HeaderCountLimit
from infrastructure.http.web import web_routes
from infrastructure.http.webhooks import CarrierWebhook
from infrastructure.http_server import server_options
from infrastructure.messaging.broker import Broker
from infrastructure.messaging.memory import InMemoryBroker
from infrastructure.messaging.rabbitmq import RabbitBroker
from infrastructure.messaging.relay import OutboxRelay
from infrastructure.messaging.topology import Names
from infrastructure.messaging.worker import StepWorker
from infrastructure.observability.health import Health, PrometheusApiMetrics, database_check
from infrastructure.observability.logs import configure_logging
from infrastructure.observability.requests import RequestIds
from infrastructure.payment.simulated_gateway import SimulatedPaymentGateway
from infrastructure.rate_limit import MemoryRateLimiter, RedisRateLimiter
from infrastructure.response_cache.invalidation import ResponseCacheInvalidation
from infrastructure.response_cache.memory_store import MemoryAnswerStore
from infrastructure.response_cache.redis_store import RedisAnswerStore
from infrastructure.response_cache.store import Bounds
from infrastructure.settings import Settings, load_settings
from infrastructure.status_feed import MemoryStatusFeed, RedisStatusFeed
from infrastructure.stopping import sleep_unless_stopped
from resolvers.common.context import ApiServices, ContextFactory
from resolvers.ports import MemberDirectory, RateLimiter, ReadStore, StatusFeed, TokenVerifier
from schema.limits.guards import ApiLimits
from schema.response_cache.hits import EarlyAnswers
from schema.response_cache.plan import Plans
from schema.root import build_schema

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


def api_limits(settings: Settings) -> ApiLimits:
    """Each limit from the setting of its name (`max_depth` from ORDERS_MAX_DEPTH, ...), but for
    the two that follow from other settings."""
    derived = {
        "introspection": settings.introspection_allowed,
        "field_suggestions": not settings.is_production,
    }
    named = {f.name: getattr(settings, f.name) for f in fields(ApiLimits) if f.name not in derived}
    return ApiLimits(**named, **derived)


def context_factory(services: Services) -> ContextFactory:
    """What builds each request's context (its viewer, its DataLoaders) from the services."""
    return ContextFactory(
        ApiServices(
            store=services.store,
            uow=services.unit_of_work,
            orders=order_placer(
                services.unit_of_work, services.settings.shipping_policy, services.engine
            ),
            rate_limiter=services.rate_limiter,
            status_feed=services.status_feed,
            metrics=PrometheusApiMetrics(),
        ),
        verify=services.verifier,
        members=services.members,
        shipping=services.settings.shipping_policy,
        returns=services.settings.return_policy,
    )


def create_app(services: Services, *, own_services: bool = False) -> Starlette:
    """The ASGI app. With `own_services` it closes them when the server shuts down."""
    settings = services.settings
    answers = services.responses if settings.response_cache else None
    plans = Plans()
    endpoint = GraphQLEndpoint(
        build_schema(api_limits(settings), CompiledExecutionContext, answers, plans),
        contexts=context_factory(services),
        graphiql=not settings.is_production,
        early=EarlyAnswers(answers, plans) if answers else None,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if own_services:
            settle_garbage_collector()
            drain_on_signals(settings.drain_seconds)
        yield
        if own_services:
            await services.close()

    return Starlette(
        routes=[
            Route("/graphql", endpoint, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", endpoint),
            Route(
                "/webhooks/carrier",
                CarrierWebhook(settings.effective_webhook_secret, services.unit_of_work).receive,
                methods=["POST"],
            ),
            *health_routes(services.health(serving_api=True)),
            *([] if settings.is_production else graphiql_routes()),
            *web_routes(dev_tokens=None if settings.is_production else services.mint_token),
        ],
        middleware=[
            Middleware(RequestIds),
            Middleware(ClientDisconnects),
            Middleware(HeaderCountLimit, max_headers=settings.max_headers),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            ),
        ],
        lifespan=lifespan,
    )


def settle_garbage_collector() -> None:
    """Freeze what start-up allocated (the schema, the modules) out of the collector's sight,
    so that full collections no longer walk it. Raising the collection thresholds as well made
    no measurable difference here and let the heap grow run after run (docs/BENCHMARKS.md)."""
    gc.collect()
    gc.freeze()


def health_routes(health: Health) -> list[Route]:
    return [
        Route("/healthz", health.healthz),
        Route("/readyz", health.readyz),
        Route("/metrics", health.metrics),
    ]


def health_app(services: Services) -> Starlette:
    """What a worker, relay or carrier process serves on ORDERS_HEALTH_PORT."""
    return Starlette(
        routes=health_routes(services.health()),
        middleware=[Middleware(HeaderCountLimit, max_headers=services.settings.max_headers)],
    )


def app_from_environment() -> Starlette:
    """uvicorn's factory for `main.py serve`: each worker process builds its own services, and
    logs as the parent does (uvicorn's worker processes start with no logging set up). The
    parent warned about the settings already."""
    settings = load_settings()
    configure_logging(settings.effective_log_format)
    return create_app(build_services(settings), own_services=True)


def api_server(services: Services) -> uvicorn.Server:
    """The API in this process, over `services` (`main.py run`)."""
    settings = services.settings
    config = uvicorn.Config(
        create_app(services),
        host=settings.host,
        port=settings.port,
        log_config=None,  # our logging
        **server_options(settings),
    )
    return uvicorn.Server(config)


def health_server(services: Services, port: int) -> uvicorn.Server:
    """/healthz, /readyz and /metrics of a worker, relay or carrier process. uvicorn takes
    SIGTERM while it serves, stops, and raises it again for the caller's own handler."""
    config = uvicorn.Config(
        health_app(services),
        host=services.settings.host,
        port=port,
        log_level="warning",
        log_config=None,  # our logging
        **server_options(services.settings),
    )
    return uvicorn.Server(config)


def migrate_database(settings: Settings) -> None:
    upgrade_to_head(settings.database_url)


async def database_migrated(settings: Settings) -> bool:
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
