"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
from strawberry.schema import BaseSchema

from resolvers.context import Context, ContextFactory


class GraphQLEndpoint(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, *, contexts: ContextFactory, graphiql: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=False,
        )
        self._contexts = contexts

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson.JSONDecodeError is a json.JSONDecodeError: strawberry's 400 still answers it
        return orjson.loads(data)

    def _validate_batch_request(
        self, request_data: list[GraphQLRequestData], protocol: GraphQLRequestProtocol
    ) -> None:
        """As strawberry's, with a refusal that names the limit."""
        config = self.schema.config.batching_config
        if config is not None and len(request_data) > config["max_operations"]:
            raise HTTPException(
                400,
                f"too many operations in one batch: {len(request_data)}, at most "
                f"{config['max_operations']} operations",
            )
        super()._validate_batch_request(request_data, protocol)

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
