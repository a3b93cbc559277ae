"""Validation behind a bound on the document's size, and a price on every refused document.

Strawberry's `ValidationCache` validates whatever was parsed; here one cheap walk
(`schema.document_size`) refuses a document over a bound first, so validation never runs on it,
and the verdict (refusal, validation errors, or valid) is cached per document as strawberry
caches it. A document refused before it runs (over a bound, invalid, or unparsable) takes
`refusal_cost` points from its client's bucket each time it is sent: the work it cost is not
free, and a client that keeps sending them is throttled like any other. The refusal stays the
answer; it is the client's next request that finds the bucket empty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.document_size import DocumentBounds, measure

Rules = tuple[type[ASTValidationRule], ...]
Check = Callable[[GraphQLSchema, DocumentNode, Rules], list[GraphQLError]]


def bounded_validation(bounds: DocumentBounds, cache_size: int) -> Check:
    """graphql-core's validation behind the walk, with an LRU cache of verdicts."""

    @lru_cache(maxsize=cache_size)
    def check(schema: GraphQLSchema, document: DocumentNode, rules: Rules) -> list[GraphQLError]:
        size = measure(document, bounds)
        if size.exceeded is not None:
            return [
                GraphQLError(
                    f"document too large: {size.exceeded}",
                    extensions={"code": "DOCUMENT_LIMIT"},
                )
            ]
        return validate_document(schema, document, rules)

    return check


class BoundedValidation(SchemaExtension):
    """Replaces strawberry's `ValidationCache`; `check` comes from `bounded_validation`."""

    def __init__(self, *, check: Check, refusal_cost: int) -> None:
        self._check = check
        self._refusal_cost = refusal_cost

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # a document that could not be parsed never reaches validation
            if self.execution_context.graphql_document is None:
                await self._charge()

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        errors = self._check(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        context.pre_execution_errors = errors
        if errors:
            await self._charge()
        yield

    async def _charge(self) -> None:
        app = self.execution_context.context
        if self._refusal_cost > 0:
            await app.rate_limiter.take(app.client, self._refusal_cost)
