"""Parsing and validation behind bounds, a cache of the documents that passed, and a price on
every document refused before it runs.

Strawberry's `ParserCache` and `ValidationCache` keep whatever they are given: every text parsed
(an 11 KB document parses to 1.3 MB of syntax tree, its tokens included) and every verdict, so
a client sending a new large document each time fills them with garbage the collector then
walks for seconds. Here a document is parsed by strawberry when it is new, measured in one
cheap walk (`schema.limits.document_size`) and refused over a bound before graphql-core
validates it; only a document that passed is kept, keyed by its text, in an LRU cache bounded
by the bytes of text it holds. A document refused before it runs (over a bound, invalid, or
unparsable) takes `refusal_cost` points from its client's bucket each time it is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from resolvers.common.errors import ApiError, ErrorCode
from schema.limits.document_size import DocumentBounds, measure
from schema.limits.served import graphql_schema_of


@dataclass(frozen=True, slots=True)
class _Accepted:
    document: DocumentNode
    size: int
    """The length of its text: what it weighs in the cache."""


class AcceptedDocuments:
    """Documents that passed the bounds and validation, by text, up to `max_bytes` of text."""

    def __init__(self, max_bytes: int) -> None:
        self._documents: LRUCache[str, _Accepted] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda accepted: accepted.size
        )

    def get(self, query: str) -> DocumentNode | None:
        accepted = self._documents.get(query)
        return accepted.document if accepted is not None else None

    def keep(self, query: str, document: DocumentNode) -> None:
        if len(query) <= self._documents.maxsize:
            self._documents[query] = _Accepted(document, len(query))


class GuardedDocuments(SchemaExtension):
    """Replaces strawberry's `ParserCache` and `ValidationCache` (see the module's docstring)."""

    def __init__(
        self, *, accepted: AcceptedDocuments, bounds: DocumentBounds, refusal_cost: int
    ) -> None:
        self._accepted = accepted
        self._bounds = bounds
        self._refusal_cost = refusal_cost
        self._known = False

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # a document that could not be parsed never reaches validation
            if self.execution_context.graphql_document is None:
                await self._charge()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            # a miss is left to strawberry, which parses it and answers a syntax error
            context.graphql_document = self._accepted.get(context.query)
            self._known = context.graphql_document is not None
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        if self._known:
            context.pre_execution_errors = []
            yield
            return
        size = measure(document, self._bounds)
        errors: list[GraphQLError]
        if size.exceeded is not None:
            errors = [ApiError(ErrorCode.DOCUMENT_LIMIT, f"document too large: {size.exceeded}")]
        else:
            errors = validate_document(
                graphql_schema_of(context.schema), document, context.validation_rules
            )
        context.pre_execution_errors = errors
        if errors:
            await self._charge()
        elif context.query is not None:
            self._accepted.keep(context.query, document)
        yield

    async def _charge(self) -> None:
        app = self.execution_context.context
        if self._refusal_cost > 0:
            await app.rate_limiter.take(app.client, self._refusal_cost)
