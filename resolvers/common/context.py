"""The request context (the API's services, who is asking, and fresh DataLoaders for this
request only) and the factory that makes one for each request."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from domain.actions import ReturnPolicy
from domain.member import InvalidToken, Viewer
from domain.ports import OrderPlacer, UnitOfWorkFactory
from domain.pricing import ShippingPolicy
from resolvers.common.errors import unauthenticated
from resolvers.common.loaders import Loaders
from resolvers.common.snapshots import SharedSnapshots
from resolvers.ports import (
    ApiMetrics,
    MemberDirectory,
    RateLimiter,
    ReadStore,
    StatusFeed,
    TokenVerifier,
)

BEARER_PREFIX = "bearer "


def client_of(viewer: Viewer | None, request: Request | WebSocket) -> str:
    """Whose rate-limit bucket pays: the member's, or the address's when anonymous."""
    if viewer is not None:
        return f"member:{viewer.member.id}"
    host = request.client.host if request.client else "unknown"
    return f"address:{host}"


@dataclass
class ApiServices:
    """What the resolvers call, the same for every request an API process serves."""

    store: ReadStore
    uow: UnitOfWorkFactory
    orders: OrderPlacer
    rate_limiter: RateLimiter
    status_feed: StatusFeed
    metrics: ApiMetrics


@dataclass
class Context(ApiServices):
    """One request's: the API's services, who is asking, and DataLoaders of its own."""

    request: Request | WebSocket
    response: Response | None
    viewer: Viewer | None
    shipping: ShippingPolicy
    returns: ReturnPolicy
    auth_error: str | None = None
    connection_params: dict[str, object] | None = None
    snapshots: SharedSnapshots = field(default_factory=SharedSnapshots)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store, self.viewer.member if self.viewer else None)

    @property
    def client(self) -> str:
        return client_of(self.viewer, self.request)

    def throttled(self, retry_after: float) -> None:
        if self.response is not None:
            self.response.status_code = 429
            self.response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))

    def require_viewer(self) -> Viewer:
        if self.viewer is None:
            raise unauthenticated()
        return self.viewer


@dataclass(frozen=True)
class ContextFactory:
    services: ApiServices
    verify: TokenVerifier
    members: MemberDirectory
    shipping: ShippingPolicy
    """The shipping fee and the threshold that waives it (a partial cancellation recomputes
    the fee)."""
    returns: ReturnPolicy
    """The return period and fee (반품): what may be returned, and until when."""
    snapshots: SharedSnapshots = field(default_factory=SharedSnapshots)
    """One per API process: its subscribers' reads of an order are shared."""

    async def __call__(
        self, request: Request | WebSocket, response: Response | None, authorization: str | None
    ) -> Context:
        """A context for one request. A bad token is recorded, and refused before execution."""
        viewer, auth_error = await self.authenticate(authorization)
        return self.context(request, response, viewer, auth_error)

    def context(
        self,
        request: Request | WebSocket,
        response: Response | None,
        viewer: Viewer | None,
        auth_error: str | None,
    ) -> Context:
        """A context for one request whose token was already read (`authenticate`)."""
        return Context(
            request=request,
            response=response,
            viewer=viewer,
            shipping=self.shipping,
            auth_error=auth_error,
            snapshots=self.snapshots,
            returns=self.returns,
            **vars(self.services),
        )

    async def authenticate(self, authorization: str | None) -> tuple[Viewer | None, str | None]:
        """The viewer a header value stands for, or why it cannot be trusted."""
        if not authorization:
            return None, None
        try:
            viewer = self.verify(_bearer_token(authorization))
        except InvalidToken as exc:
            return None, str(exc)
        await self.members.remember(viewer.member)
        return viewer, None


def _bearer_token(authorization: str) -> str:
    if authorization[: len(BEARER_PREFIX)].lower() != BEARER_PREFIX:
        raise InvalidToken("the Authorization header must be 'Bearer <token>'")
    token = authorization[len(BEARER_PREFIX) :].strip()
    if not token:
        raise InvalidToken("the Authorization header has no token after 'Bearer'")
    return token
