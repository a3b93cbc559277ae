"""Apps whose settings differ from this run's, each with services of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from httpx import ASGITransport, AsyncClient

from bootstrap import build_services, create_app
from infrastructure.settings import Settings, load_settings

AppFactory = Callable[..., AbstractAsyncContextManager[AsyncClient]]


def app_factory(settings: Settings) -> AppFactory:
    """A client of an app whose settings differ from `settings` by the given overrides."""

    @asynccontextmanager
    async def open_app(
        client_address: str = "127.0.0.1", **overrides: Any
    ) -> AsyncIterator[AsyncClient]:
        services = build_services(load_settings(**{**settings.model_dump(), **overrides}))
        transport = ASGITransport(app=create_app(services), client=(client_address, 5000))
        try:
            async with AsyncClient(transport=transport, base_url="http://t") as client:
                yield client
        finally:
            await services.close()

    return open_app
