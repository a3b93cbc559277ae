"""Apps whose settings differ from this run's, each with services of its own."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from httpx import ASGITransport, AsyncClient

from api_app import create_app
from bootstrap import build_services
from infrastructure.settings import Settings, load_settings

AppFactory = Callable[..., AbstractAsyncContextManager[AsyncClient]]


def fresh_address() -> str:
    """A client address of its own: an anonymous client's rate-limit bucket is its address's,
    so a test that is a client of its own does not pay for what other tests sent."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def app_factory(settings: Settings) -> AppFactory:
    """A client of an app whose settings differ from `settings` by the given overrides."""

    @asynccontextmanager
    async def open_app(
        client_address: str | None = None, **overrides: Any
    ) -> AsyncIterator[AsyncClient]:
        services = build_services(load_settings(**{**settings.model_dump(), **overrides}))
        address = client_address or fresh_address()
        transport = ASGITransport(app=create_app(services), client=(address, 5000))
        try:
            async with AsyncClient(transport=transport, base_url="http://t") as client:
                yield client
        finally:
            await services.close()

    return open_app
