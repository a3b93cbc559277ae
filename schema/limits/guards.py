"""What a query may ask for, and what a client may spend: limits checked before execution,
a cost charged to the client's bucket, and unexpected errors masked with an id to look up."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult
from strawberry.types.execution import PreExecutionError

from resolvers.common.errors import ApiError, ErrorCode
from resolvers.ports import Bucket
from schema.limits.cost import (
    RequestedCosts,
    actual_cost_of,
    introspection_keys,
    requested_cost,
)
from schema.limits.served import graphql_schema_of

log = logging.getLogger("orders.api")


@dataclass(frozen=True, slots=True)
class ApiLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_cost: int = 50_000
    max_batch: int = 10
    max_selections: int = 1000
    max_field_repeats: int = 5
    refused_document_cost: int = 1000
    document_cache_bytes: int = 512 * 1024
    introspection: bool = True
    field_suggestions: bool = True


def _refusal(refusal: ApiError) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(data=None, errors=[refusal])


def throttled_again(bucket: Bucket) -> ApiError:
    """The refusal of a request from a client refused a moment ago, before any work."""
    return ApiError(
        ErrorCode.THROTTLED,
        f"throttled: this client's bucket of {bucket.capacity} points was short a moment ago; "
        f"retry in {bucket.retry_after:g} s",
        retryAfter=bucket.retry_after,
    )


class CostGuard(SchemaExtension):
    """Refuses a query above the maximum cost, or one its client's bucket cannot pay for; then
    gives back what the query did not use, and reports the cost in `extensions.cost`."""

    def __init__(self, *, max_cost: int, costs: RequestedCosts) -> None:
        self._max_cost = max_cost
        self._costs = costs
        self._requested: int | None = None
        self._actual: int | None = None
        self._bucket: Bucket | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.result is not None or context.graphql_document is None:
            yield
            return
        schema = graphql_schema_of(context.schema)
        document, name, variables = (
            context.graphql_document,
            context.operation_name,
            context.variables,
        )
        self._requested = requested = (
            requested_cost(schema, document, name, variables)
            if context.query is None
            else self._costs(schema, context.query, document, name, variables)
        )
        if requested > self._max_cost:
            context.result = _refusal(
                ApiError(
                    ErrorCode.COST_LIMIT,
                    f"query cost {requested} exceeds the maximum of {self._max_cost}: "
                    "ask for smaller pages or fewer fields",
                    cost=requested,
                    maximum=self._max_cost,
                )
            )
            yield
            return
        app = context.context
        self._bucket = bucket = await app.rate_limiter.take(app.client, requested)
        if not bucket.allowed:
            context.result = _refusal(
                ApiError(
                    ErrorCode.THROTTLED,
                    f"throttled: this query costs {requested} points and "
                    f"{bucket.available:.0f} of {bucket.capacity} are available; "
                    f"retry in {bucket.retry_after:g} s",
                    retryAfter=bucket.retry_after,
                )
            )
            app.throttled(bucket.retry_after)
            app.metrics.throttled()
            yield
            return
        yield
        result = context.result
        self._actual = actual_cost_of(result, introspection_keys(document, name))
        await app.rate_limiter.give_back(app.client, requested - self._actual)

    def get_results(self) -> dict[str, Any]:
        if self._requested is None:
            return {}
        cost: dict[str, Any] = {
            "requestedQueryCost": self._requested,
            "actualQueryCost": self._actual,
        }
        if self._bucket is not None:
            available = self._bucket.available
            if self._actual is not None:
                available += self._requested - self._actual
            cost["throttleStatus"] = throttle_status(self._bucket, available)
        return {"cost": cost}


def throttle_status(bucket: Bucket, available: float) -> dict[str, Any]:
    """`extensions.cost.throttleStatus`: the client's bucket once the request paid."""
    return {
        "maximumAvailable": bucket.capacity,
        "currentlyAvailable": int(min(bucket.capacity, available)),
        "restoreRate": bucket.restore_rate,
    }


class VariableRefusal(GraphQLError):
    """A variable graphql-core refused (a string for an Int, a missing required value, an
    unknown input field or enum value, an Int beyond 32 bits, a scalar's own refusal): its
    message, with the code INVALID_INPUT."""

    def __init__(self, error: GraphQLError) -> None:
        super().__init__(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            original_error=error.original_error,
            extensions={"code": ErrorCode.INVALID_INPUT.value},
        )


def _refused_variables(result: GraphQLExecutionResult | ExecutionResult) -> bool:
    """Whether graphql-core refused the variables instead of executing: it answers no data and
    errors without a path (every error of execution has one), and none of them is ours (ours
    carry a code)."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None and not error.extensions for error in result.errors or ())
    )


def masked(error: GraphQLError) -> GraphQLError:
    """An error nobody planned for as "internal error" with an id, logged with its traceback
    under the same id; any other error as it is. Masking an error twice changes nothing."""
    original = error.original_error
    if original is None or isinstance(original, ApiError) or isinstance(error, VariableRefusal):
        return error
    error_id = uuid.uuid4().hex[:12]
    log.error(
        "internal error %s at %s: %r",
        error_id,
        error.path,
        original,
        exc_info=(type(original), original, original.__traceback__),
    )
    return GraphQLError(
        f"internal error (id {error_id})",
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL.value, "errorId": error_id},
    )


class MaskUnexpectedErrors(SchemaExtension):
    """An error nobody planned for becomes "internal error" with an id; the log line with the
    traceback carries the same id. Refusals (`ApiError`, `VariableRefusal`) and invalid queries
    pass unchanged.

    A request's one result is masked when its operation ends; a stream's results (a
    subscription, or any operation over the WebSocket) are masked one by one as they are sent,
    since by the end of the operation they are gone. Masking an error twice changes nothing."""

    _executing = False

    def on_execute(self) -> Iterator[None]:
        self._executing = True
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult) and _refused_variables(result):
            result.errors = [VariableRefusal(error) for error in result.errors or ()]

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [masked(error) for error in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        if isinstance(result, ExecutionResult) and result.errors:
            # refused before its first result, once validated: the variables (a validation
            # failure never reaches execution; an error mid-stream is no PreExecutionError)
            if self._executing and isinstance(result, PreExecutionError):
                result.errors = [VariableRefusal(error) for error in result.errors]
            result.errors = [masked(error) for error in result.errors]
        yield
