"""The app served by uvicorn inside the test's own process and event loop, on a free port, with
the server options every role uses (`infrastructure.http_server`).

For clients that need a real socket (WebSockets) while the test still sees the app's log records
(caplog) and shares its services.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp

from infrastructure.http_server import server_options
from infrastructure.settings import Settings
from tests.support.processes import free_port
from tests.support.waiting import eventually


@asynccontextmanager
async def served(app: ASGIApp, settings: Settings) -> AsyncIterator[str]:
    """The base URL (`http://127.0.0.1:<port>`) of `app` while the block runs."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, **server_options(settings)
    )
    server = uvicorn.Server(config)
    running = asyncio.create_task(server.serve())

    async def started() -> bool:
        if running.done():
            running.result()  # a server that could not start says why
        return server.started

    try:
        await eventually(started, bool, within=30, what="the in-process server")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await running
