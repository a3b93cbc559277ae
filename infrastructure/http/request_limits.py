"""Requests that are not the app's business: too many headers, and clients that went away.

Both sit in front of every route. The number of headers is bounded here, after uvicorn parsed
them; the size of the head (`infrastructure.http_server`) bounds what that parsing cost.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("orders.http")


class HeaderCountLimit:
    """More than `max_headers` headers: HTTP 431, or a WebSocket refused before it opens."""

    def __init__(self, app: ASGIApp, max_headers: int) -> None:
        self._app = app
        self._max = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and len(scope["headers"]) > self._max:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            refusal = PlainTextResponse(
                f"too many request headers: the limit is {self._max} headers", status_code=431
            )
            await refusal(scope, receive, send)
            return
        await self._app(scope, receive, send)


class ClientDisconnects:
    """A client that goes away before its request was read is no fault of ours: one line at
    INFO, where Starlette would log the `ClientDisconnect` as an unhandled error."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._app(scope, receive, send)
        except ClientDisconnect:
            log.info(
                "the client went away before its request was read: %s %s",
                scope.get("method"),
                scope.get("path"),
            )
