"""A WebSocket ends when the token it was acknowledged with expires, in either protocol.

The token is read once, at connection_init (`GraphQLEndpoint.on_ws_connect`): without this, a
socket acknowledged a minute before its token expired went on pushing the member's orders for
good. At the token's `exp` the socket's operations are cancelled and it is closed with
`TOKEN_EXPIRED_CODE` (4403), the code a token refused at connection_init gets in
graphql-transport-ws."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, cast

from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage

from domain.member import Viewer
from infrastructure.http.socket_messages import CheckedLegacyMessages, CheckedTransportMessages
from resolvers.common.context import Context

TOKEN_EXPIRED_CODE = 4403
TOKEN_EXPIRED_REASON = "the token has expired"
"""The close frame's reason: InvalidToken's words for a token that expired before it came."""


class TokenExpiry:
    """One socket's watch on its token: `end` runs at the earliest expiry of the tokens the
    socket was acknowledged with (the legacy protocol takes a connection_init again, and the
    operations started under an earlier token run on under a later one), and never once
    `stop` ran, which the socket's handler does when the socket ends."""

    def __init__(self, end: Callable[[], Awaitable[None]]) -> None:
        self._end = end
        self._until: datetime | None = None
        self._waiting: asyncio.Task[None] | None = None
        self.expired = False
        """Whether the token expired: the socket is ending, and reads no more messages."""

    async def watch(self, viewer: Viewer | None) -> None:
        """After a connection_init was acknowledged for `viewer`; no viewer (an anonymous
        socket) or a token without an expiry changes nothing."""
        until = viewer.valid_until if viewer is not None else None
        if until is None or (self._until is not None and self._until <= until):
            return
        await self.stop()
        self._until = until
        self._waiting = asyncio.create_task(self._end_at(until))

    async def _end_at(self, until: datetime) -> None:
        await asyncio.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()))
        self.expired = True
        await self._end()

    async def stop(self) -> None:
        if self._waiting is None:
            return
        self._waiting.cancel()
        with suppress(asyncio.CancelledError):
            await self._waiting


class _ClosedAtExpiry:
    """What both protocols' handlers add in front of strawberry's (it comes first in their
    bases): the token watched from an acknowledged connection_init, no message read once it
    expired, the watch stopped when the socket ends. strawberry's two handlers share no typed
    base, so the calls on to them go through an untyped `super()`."""

    _expiry: TokenExpiry
    connection_acknowledged: bool
    context: Context

    async def handle(self) -> None:
        self._expiry = TokenExpiry(self._end_expired)
        try:
            await cast(Any, super()).handle()
        finally:
            await self._expiry.stop()

    async def handle_message(self, message: Any) -> None:
        if not self._expiry.expired:
            await cast(Any, super()).handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        await cast(Any, super()).handle_connection_init(message)
        if self.connection_acknowledged:
            await self._expiry.watch(self.context.viewer)

    async def _end_expired(self) -> None:
        """The socket's end once its token expired: each protocol's own."""
        raise NotImplementedError


class ExpiringTransportHandler(_ClosedAtExpiry, CheckedTransportMessages):
    """graphql-transport-ws, its messages checked, closed when its token expires."""

    async def _end_expired(self) -> None:
        """Every operation cancelled and done (strawberry's end of a socket), then the close."""
        await self.shutdown()
        await self.websocket.close(TOKEN_EXPIRED_CODE, TOKEN_EXPIRED_REASON)


class ExpiringLegacyHandler(_ClosedAtExpiry, CheckedLegacyMessages):
    """graphql-ws (subscriptions-transport-ws), its messages checked, closed when its token
    expires.

    Once it expired the socket sends nothing but its close: strawberry's handler answers each
    operation it cancels with `complete`, and a subscriptions-transport-ws client forgets a
    completed operation, so it would not subscribe again when it reconnects with a new token
    (it starts again those it still holds); graphql-transport-ws sends nothing on a cancel."""

    async def send_message(self, message: OperationMessage) -> None:
        if not self._expiry.expired:
            await super().send_message(message)

    async def _end_expired(self) -> None:
        await self.cleanup()
        await self.websocket.close(TOKEN_EXPIRED_CODE, TOKEN_EXPIRED_REASON)
