"""The GraphQL endpoint: strawberry's ASGI app with our per-request context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
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

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return await self._contexts(
            request,
            response if isinstance(response, Response) else None,
            request.headers.get("authorization"),
        )
