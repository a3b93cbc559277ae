"""The WebSocket protocols' messages checked for their shape before strawberry reads them.

strawberry reads a message's members without looking at their types: a message that is not an
object, or an operation whose payload, query, variables, operation name or extensions are of
another type, raised in its handler, which dropped the socket without a close frame or answered
an internal error, a traceback logged each time. Here such a message is refused as each
protocol refuses what it cannot read: graphql-transport-ws closes the socket with 4400, the
legacy graphql-ws answers an `error` message and serves on."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage

from infrastructure.http.operations import member_problem
from resolvers.common.context import Context


def message_problem(message: object, operation_type: str) -> str | None:
    """Why a message cannot be read, or None. A message is an object; one of `operation_type`
    carries an operation: an object payload with a query string, its other members of their
    types or null."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    if message.get("type") != operation_type:
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return f"a {operation_type} message's payload must be an object"
    if not isinstance(payload.get("query"), str):
        return "an operation's query must be a string"
    return member_problem(payload)


class CheckedTransportMessages(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_message(self, message: Message) -> None:
        problem = message_problem(message, "subscribe")
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)


class CheckedLegacyMessages(BaseGraphQLWSHandler[Context, None]):
    async def handle(self) -> None:
        """As strawberry's, closing a socket that has not been initialised within the view's
        `connection_init_wait_timeout` (4408), as its graphql-transport-ws handler does."""
        waiting = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            waiting.cancel()
            with suppress(asyncio.CancelledError):
                await waiting

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_message(self, message: OperationMessage) -> None:
        problem = message_problem(message, "start")
        if problem is None:
            await super().handle_message(message)
            return
        error: dict[str, object] = {"type": "error", "payload": {"message": problem}}
        received: object = message  # as the client sent it, which may be no OperationMessage
        if isinstance(received, dict) and isinstance(received.get("id"), str):
            error["id"] = received["id"]
        await self.websocket.send_json(error)
