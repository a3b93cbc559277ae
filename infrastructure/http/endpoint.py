"""The GraphQL endpoint: strawberry's ASGI app with our per-request context, and the response
cache's early path in front of it (`schema/response_cache/hits.py`)."""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from contextlib import suppress
from datetime import timedelta
from typing import Any

import mimeparse
import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, parse_content_type
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema import BaseSchema
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET, UnsetType

from domain.member import Viewer
from infrastructure.http.graphiql import graphiql_page
from infrastructure.http.operations import member_problem
from infrastructure.http.token_expiry import ExpiringLegacyHandler, ExpiringTransportHandler
from resolvers.common.context import Context, ContextFactory, client_of
from schema.limits.guards import throttle_status, throttled_again
from schema.response_cache.hits import EarlyAnswers, Hit, hand_over

NOT_AN_OPERATION = (
    "a GraphQL request is a JSON object (one operation) or a non-empty JSON array of them (a batch)"
)


def _check_operation(item: object) -> None:
    """A 400 unless `item` is a JSON object whose members are of their types, or null."""
    if not isinstance(item, dict):
        raise HTTPException(400, NOT_AN_OPERATION)
    if problem := member_problem(item):
        raise HTTPException(400, problem)


CONNECTION_INIT_WAIT = timedelta(minutes=1)
"""How long a WebSocket may stay open before its connection_init, in either protocol (then
4408): strawberry's default, which its legacy graphql-ws handler did not apply."""
GRAPHQL_RESPONSE = "application/graphql-response+json"
"""The GraphQL-over-HTTP spec's media type: a response without `data` has a 4xx status."""
STREAMED = ("multipart/", "text/event-stream")
"""Accept values with which a client asks for a streamed answer: never the early path's."""
_AUTHENTICATED = "authenticated"
"""The request's state: the early path's reading of the token, which the context reuses."""


def answers_graphql_response(request: Request) -> bool:
    """Whether the client prefers application/graphql-response+json to application/json (on a
    tie, and for */* or no Accept, application/json: what every client understands)."""
    accept = request.headers.get("accept")
    return bool(accept) and _prefers_graphql_response(accept)


@functools.lru_cache(maxsize=64)
def _prefers_graphql_response(accept: str) -> bool:
    """Kept by the Accept value: a client sends the same one with every request, and mimeparse
    reads it in 65 to 95 Python calls. A value it cannot parse (`a/b/c`, `;;;`) asks for
    nothing in particular: application/json."""
    try:
        best: str = mimeparse.best_match([GRAPHQL_RESPONSE, "application/json"], accept)
    except mimeparse.MimeTypeParseException:
        return False
    return best == GRAPHQL_RESPONSE


class TextFrames(ASGIWebSocketAdapter):
    """Sends every message of both WebSocket protocols as a text frame, and closes a socket
    once.

    strawberry sends whatever `encode_json` returns, and ours returns bytes (orjson), which
    went out as binary frames; graphql-transport-ws and subscriptions-transport-ws messages are
    text, and their clients (graphql-ws, gql, GraphiQL, browsers' JSON.parse) refuse the rest.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc

    async def close(self, code: int, reason: str) -> None:
        """As strawberry's, but a socket closed already is left as it is, where Starlette
        raised: closed by the server a moment before (its token expired, say, and a frame its
        client sent meanwhile cannot be read, which asks for a 4400), or by its client."""
        if self.ws.application_state is WebSocketState.DISCONNECTED:
            return
        with suppress(WebSocketDisconnect):
            await self.ws.close(code=code, reason=reason)


class GraphQLEndpoint(GraphQL[Context, None]):
    websocket_adapter_class = TextFrames
    graphql_transport_ws_handler_class = ExpiringTransportHandler
    graphql_ws_handler_class = ExpiringLegacyHandler

    def __init__(
        self,
        schema: BaseSchema,
        *,
        contexts: ContextFactory,
        graphiql: bool,
        early: EarlyAnswers | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=False,
            connection_init_wait_timeout=CONNECTION_INIT_WAIT,
        )
        self._contexts = contexts
        self._early = early

    @property
    def graphql_ide_html(self) -> str:
        """Our GraphiQL page, whose assets the app serves (strawberry's loads them from a CDN)."""
        return graphiql_page()

    async def run(  # type: ignore[override]
        self,
        request: Request | WebSocket,
        context: Context | UnsetType = UNSET,
        root_value: UnsetType | None = UNSET,
    ) -> Response | WebSocket:
        """As strawberry's; a client that asked for application/graphql-response+json gets it
        (its refusals too: `__call__`)."""
        response = await super().run(request, context, root_value)  # type: ignore[arg-type]
        if isinstance(request, WebSocket) or not answers_graphql_response(request):
            return response
        if response.headers.get("content-type", "").startswith("application/json"):
            response.headers["content-type"] = GRAPHQL_RESPONSE
        return response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A request that failed before execution (it does not parse, or is not valid) has no
        `data` entry in application/graphql-response+json, and answers 400 (create_response)."""
        answer = await super().process_result(request, result)
        if isinstance(result, PreExecutionError) and answers_graphql_response(request):
            answer.pop("data", None)
        return answer

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        no_data = isinstance(response_data, dict) and "data" not in response_data
        if no_data and response.status_code == 200:
            response.status_code = 400
        return response

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
        request = Request(scope, receive)
        response: Response | None = None
        try:
            if self._early is not None:
                response = await self._answer_from_cache(request, self._early)
            if response is None:
                answered = await self.run(request)
                assert isinstance(answered, Response), "an HTTP request is answered with a Response"
                response = answered
        except HTTPException as refusal:
            response = JSONResponse(
                {"errors": [{"message": refusal.reason}]}, status_code=refusal.status_code
            )
            if answers_graphql_response(request):
                response.headers["content-type"] = GRAPHQL_RESPONSE
        await response(scope, receive, send)

    async def _answer_from_cache(self, request: Request, early: EarlyAnswers) -> Response | None:
        """A kept answer to a single query, before strawberry sees the request: its cost
        charged, its extensions and headers as the whole way's; None for anything else (it goes
        the whole way, which refuses what must be refused: a token we cannot trust, a client
        throttled, a body we cannot read)."""
        started = time.perf_counter()
        media_type, _ = parse_content_type(request.headers.get("content-type", ""))
        if request.method != "POST" or "application/json" not in media_type:
            return None  # strawberry's own rule for a JSON body: it answers the rest
        if any(kind in request.headers.get("accept", "") for kind in STREAMED):
            return None
        try:
            operation = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        read = _single_query(operation)
        if read is None:
            return None
        query, name, variables = read
        authenticated = await self._contexts.authenticate(request.headers.get("authorization"))
        setattr(request.state, _AUTHENTICATED, authenticated)
        viewer, auth_error = authenticated
        if auth_error is not None:
            return None
        found = await early.find(query, name, variables, viewer)
        if not isinstance(found, Hit):
            if found is not None:
                hand_over(request, found)
            return None
        return await self._charged(request, viewer, found, started)

    async def _charged(
        self, request: Request, viewer: Viewer | None, hit: Hit, started: float
    ) -> Response | None:
        """The hit's response once its client's bucket paid its cost; None when it cannot."""
        client = client_of(viewer, request)
        limiter = self._contexts.services.rate_limiter
        if limiter.refused_lately(client) is not None:
            return None
        bucket = await limiter.take(client, hit.cost)
        if not bucket.allowed:
            return None
        extensions = {
            "cost": {
                "requestedQueryCost": hit.cost,
                "actualQueryCost": hit.cost,
                "throttleStatus": throttle_status(bucket, bucket.available),
            },
            "responseCache": {"hit": True, "age": hit.age},
        }
        content = b'{"data":%b,"extensions":%b}' % (hit.data, orjson.dumps(extensions))
        media_type = GRAPHQL_RESPONSE if answers_graphql_response(request) else "application/json"
        self._contexts.services.metrics.operation_answered(
            hit.operation or "anonymous", time.perf_counter() - started, []
        )
        return Response(
            content, media_type=media_type, headers={"Cache-Control": hit.cache_control}
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A client refused a moment ago is refused again at once while its Retry-After runs:
        its document is not even parsed, nor its bucket asked."""
        refused = context.rate_limiter.refused_lately(context.client)
        if refused is not None:
            context.throttled(refused.retry_after)
            context.metrics.throttled()
            return ExecutionResult(data=None, errors=[throttled_again(refused)])
        return await super().execute_single(
            request=request,
            request_adapter=request_adapter,
            sub_response=sub_response,
            context=context,
            root_value=root_value,
            request_data=request_data,
        )

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
        authenticated: tuple[Viewer | None, str | None] | None = getattr(
            request.state, _AUTHENTICATED, None
        )
        if authenticated is None:
            authenticated = await self._contexts.authenticate(request.headers.get("authorization"))
        return self._contexts.context(
            request, response if isinstance(response, Response) else None, *authenticated
        )


def _single_query(operation: object) -> tuple[str, str | None, dict[str, Any]] | None:
    """The document, operation name and variables of one operation as a client sends it; None
    for a batch, a member of the wrong type, or extensions (a persisted query's, say)."""
    if not isinstance(operation, dict) or operation.get("extensions"):
        return None
    query, name = operation.get("query"), operation.get("operationName")
    variables = operation.get("variables") or {}
    if not isinstance(query, str) or not isinstance(name, str | None):
        return None
    if not isinstance(variables, dict):
        return None
    return query, name, variables
