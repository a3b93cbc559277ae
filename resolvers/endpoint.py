"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema import BaseSchema

from resolvers.context import Context, ContextFactory
from resolvers.graphiql import graphiql_page

NOT_AN_OPERATION = (
    "a GraphQL request is a JSON object (one operation) or a non-empty JSON array of them (a batch)"
)
OPERATION_MEMBERS = {
    "query": (str, "a string"),
    "variables": (dict, "an object"),
    "operationName": (str, "a string"),
    "extensions": (dict, "an object"),
}


def _check_operation(item: object) -> None:
    """A 400 unless `item` is a JSON object whose members are of their types, or null."""
    if not isinstance(item, dict):
        raise HTTPException(400, NOT_AN_OPERATION)
    for name, (kind, kind_name) in OPERATION_MEMBERS.items():
        if item.get(name) is not None and not isinstance(item[name], kind):
            raise HTTPException(400, f"an operation's {name} must be {kind_name} or null")


class TextFrames(ASGIWebSocketAdapter):
    """Sends every message of both WebSocket protocols as a text frame.

    strawberry sends whatever `encode_json` returns, and ours returns bytes (orjson), which
    went out as binary frames; graphql-transport-ws and subscriptions-transport-ws messages are
    text, and their clients (graphql-ws, gql, GraphiQL, browsers' JSON.parse) refuse the rest.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLEndpoint(GraphQL[Context, None]):
    websocket_adapter_class = TextFrames

    def __init__(self, schema: BaseSchema, *, contexts: ContextFactory, graphiql: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=False,
        )
        self._contexts = contexts

    @property
    def graphql_ide_html(self) -> str:
        """Our GraphiQL page, whose assets the app serves (strawberry's loads them from a CDN)."""
        return graphiql_page()

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson.JSONDecodeError is a json.JSONDecodeError: strawberry's 400 still answers it
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> object:
        """As strawberry's, refusing JSON that is neither an object nor an array (strawberry
        reads every body as one or the other); each member is checked where it is read."""
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, NOT_AN_OPERATION)
        return parsed

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: GraphQLRequestProtocol
    ) -> None:
        """As strawberry's, with a refusal that names the limit, and each operation checked as
        strawberry checks a single one (it reads a batch's items without looking)."""
        config = self.schema.config.batching_config
        if config is not None and len(request_data) > config["max_operations"]:
            raise HTTPException(
                400,
                f"too many operations in one batch: {len(request_data)}, at most "
                f"{config['max_operations']} operations",
            )
        super()._validate_batch_request(request_data, protocol)
        items: list[object] = list(request_data)  # still the decoded JSON here
        if not items:
            raise HTTPException(400, f"an empty batch: {NOT_AN_OPERATION}")
        for item in items:
            _check_operation(item)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As strawberry's, but an HTTP refusal is a JSON error, as GraphQL answers are."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as refusal:
            response = JSONResponse(
                {"errors": [{"message": refusal.reason}]}, status_code=refusal.status_code
            )
        await response(scope, receive, send)

    async def on_ws_connect(self, context: Context) -> dict[str, object]:
        """The token travels in connection_init's payload; one we cannot trust closes the
        socket (4403) before any subscription starts."""
        params = context.connection_params or {}
        authorization = params.get("Authorization") or params.get("authorization")
        viewer, error = await self._contexts.authenticate(
            authorization if isinstance(authorization, str) else None
        )
        if error is not None:
            raise ConnectionRejectionError({"message": error})
        context.viewer = viewer
        if viewer is not None:
            context.loaders.member.prime(viewer.member.id, viewer.member)
        return {}

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return await self._contexts(
            request,
            response if isinstance(response, Response) else None,
            request.headers.get("authorization"),
        )
