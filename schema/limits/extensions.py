"""Schema extensions that act on a whole operation before any resolver runs."""

from __future__ import annotations

import time
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from resolvers.common.errors import ErrorCode, unauthenticated


class RefuseInvalidToken(SchemaExtension):
    """A request that sent a token we cannot trust is refused whole, whatever it asks for.

    Answering it as anonymous instead would hide an expired session from the client.
    """

    def on_execute(self) -> Iterator[None]:
        auth_error = getattr(self.execution_context.context, "auth_error", None)
        if auth_error:
            self.execution_context.result = GraphQLExecutionResult(
                data=None, errors=[unauthenticated(auth_error)]
            )
        yield


class OperationMetrics(SchemaExtension):
    """Times each operation, by name, and counts its errors by code, for /metrics."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        result = context.result
        codes = [
            str((error.extensions or {}).get("code", ErrorCode.INVALID_QUERY.value))
            for error in (result.errors or [] if result is not None else [])
        ]
        metrics = getattr(context.context, "metrics", None)
        if metrics is not None:
            name = context.operation_name or "anonymous"
            metrics.operation_answered(name, time.perf_counter() - started, codes)
