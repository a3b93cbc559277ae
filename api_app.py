"""The API's part of the composition root: the schema, the GraphQL endpoint, the routes and the
middleware, built over `bootstrap.Services`, and the server that serves them in this process.

Apart from bootstrap.py, so that only what serves the API loads strawberry, graphql-core, the
schema and the resolvers (`main.py serve` and `run`, the tests of the API): a worker, relay or
carrier process, or an operation, imports bootstrap alone, and loads Starlette and uvicorn only
for a health port (tests/unit/test_role_imports.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import fields

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from bootstrap import Services, build_services, settle_garbage_collector
from infrastructure.database.placement import order_placer
from infrastructure.draining import drain_on_signals
from infrastructure.graphql_execution import CompiledExecutionContext
from infrastructure.http.body_limit import BodySizeLimit
from infrastructure.http.endpoint import GraphQLEndpoint
from infrastructure.http.graphiql import graphiql_routes
from infrastructure.http.request_limits import ClientDisconnects, HeaderCountLimit
from infrastructure.http.web import web_routes
from infrastructure.http.webhooks import CarrierWebhook
from infrastructure.http_server import server_options
from infrastructure.observability.health import PrometheusApiMetrics
from infrastructure.observability.logs import configure_logging
from infrastructure.observability.requests import RequestIds
from infrastructure.settings import Settings, load_settings
from resolvers.common.context import ApiServices, ContextFactory
from schema.limits.guards import ApiLimits
from schema.response_cache.hits import EarlyAnswers
from schema.response_cache.plan import Plans
from schema.root import build_schema


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
            *services.health(serving_api=True).routes(),
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
