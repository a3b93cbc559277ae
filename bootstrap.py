"""Wires real adapters into the application. Entry points (main.py, tests) call this only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.routing import Route

from infrastructure.auth import JwtVerifier
from infrastructure.cache import Cache, create_cache
from infrastructure.cache.products import ProductCache
from infrastructure.database.engine import create_engine
from infrastructure.database.members import CachedMemberDirectory
from infrastructure.database.read_store import SqlReadStore
from infrastructure.settings import Settings, load_settings
from resolvers.context import ContextFactory
from resolvers.endpoint import GraphQLEndpoint
from schema.root import build_schema

log = logging.getLogger("orders")

MEMBER_CACHE_TTL_SECONDS = 3600


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    cache: Cache
    store: SqlReadStore
    members: CachedMemberDirectory
    verifier: JwtVerifier

    async def close(self) -> None:
        await self.cache.close()
        await self.engine.dispose()


def build_services(settings: Settings) -> Services:
    engine = create_engine(settings.database_url)
    cache = create_cache(settings.redis_url, settings.cache_prefix)
    return Services(
        settings=settings,
        engine=engine,
        cache=cache,
        store=SqlReadStore(engine, ProductCache(cache, settings.product_cache_ttl)),
        members=CachedMemberDirectory(engine, cache, MEMBER_CACHE_TTL_SECONDS),
        verifier=JwtVerifier(settings.effective_jwt_secret),
    )


def create_app(services: Services, *, own_services: bool = False) -> Starlette:
    """The ASGI app. With `own_services` it closes them when the server shuts down."""
    endpoint = GraphQLEndpoint(
        build_schema(),
        contexts=ContextFactory(
            store=services.store, verify=services.verifier, members=services.members
        ),
        graphiql=not services.settings.is_production,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if own_services:
            await services.close()

    return Starlette(
        routes=[Route("/graphql", endpoint, methods=["GET", "POST"])],
        lifespan=lifespan,
    )


def app_from_environment() -> Starlette:
    """uvicorn's factory for `main.py serve`: each worker process builds its own services."""
    settings = load_settings()
    warn_about_settings(settings)
    return create_app(build_services(settings), own_services=True)


def warn_about_settings(settings: Settings) -> None:
    if settings.uses_development_secret:
        log.warning("ORDERS_JWT_SECRET is not set: using the development secret (development only)")
