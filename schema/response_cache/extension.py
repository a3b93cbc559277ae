"""The response cache around execution: a query's answer is looked up before any resolver runs
and kept after, by the plan of its operation (`plan.py`); a mutation drops its viewer's answers
before it answers (read-your-writes); every HTTP answer says in `Cache-Control` what a browser or
a CDN may keep, and in `extensions.responseCache` whether it came from the cache and how old.

A kept answer is mostly served before strawberry runs at all (`hits.py`, from the endpoint);
this is the path of the rest: an operation this process has not executed yet, a batch's, one
refused on the way. It runs after the token and cost checks: a refused request is never looked
up, and a cached answer is charged its cost like any other (`CostGuard` reads the answer's data
as it leaves).
Only answers without errors are kept, with their actual cost counted once. A store that cannot
answer makes every request a miss.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.responses import Response
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from domain.answers import CATALOGUE, AnswerStore, Lookup, stock_of, viewer_tag
from domain.member import Viewer
from schema.limits.cost import CostedResult, actual_cost_of
from schema.limits.served import graphql_schema_of
from schema.response_cache.entries import cache_control, entry, entry_parts, key_of
from schema.response_cache.hints import FILED_STOCK_BOOKS, Scope
from schema.response_cache.hits import handed_over
from schema.response_cache.plan import Plan, Plans

NO_STORE = "no-store"


def _stricter(current: str | None, new: str) -> str:
    """Over a batch, what every answer of it allows: no-store beats all, private beats public,
    the shortest max-age wins."""
    if current is None:
        return new
    if NO_STORE in (current, new):
        return NO_STORE
    (scope_a, age_a), (scope_b, age_b) = (
        (value.split(", max-age=")[0], int(value.split("=")[1])) for value in (current, new)
    )
    scope = Scope.PRIVATE.value if Scope.PRIVATE.value in (scope_a, scope_b) else scope_a
    return f"{scope}, max-age={min(age_a, age_b)}"


class ResponseCache(SchemaExtension):
    def __init__(self, *, store: AnswerStore, plans: Plans) -> None:
        self._store = store
        self._plans = plans
        self._report: dict[str, Any] | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        app = context.context
        if context.result is not None or context.graphql_document is None or not context.query:
            yield
            return
        viewer: Viewer | None = getattr(app, "viewer", None)
        if context.operation_type is OperationType.MUTATION:
            yield
            await self._forget_answers_of(viewer)
            self._set_header(NO_STORE)
            return
        plan = self._plans.of(
            graphql_schema_of(context.schema),
            context.query,
            context.graphql_document,
            context.operation_name,
        )
        variables = context.variables or {}
        tags = plan.tags(viewer, variables) if plan.kept else None
        key = key_of(plan, context.query, variables, viewer) if tags is not None else None
        if tags is None or key is None:
            yield
            self._set_header(NO_STORE)
            return
        early = handed_over(getattr(app, "request", None), key)
        looked = early.looked if early is not None else await self._store.lookup(key)
        if looked is not None and looked.cached is not None:
            cost, data = entry_parts(looked.cached.body)
            context.result = CostedResult(orjson.loads(data), cost)
            age = max(0, looked.now_ms - looked.cached.stored_at_ms) // 1000
            self._report = {"hit": True, "age": age}
            yield
            self._set_header(cache_control(plan))
            return
        self._report = {"hit": False}
        yield
        await self._keep(key, plan, tags, looked)

    async def _keep(self, key: str, plan: Plan, tags: list[str], looked: Lookup | None) -> None:
        result = self.execution_context.result
        if result is None or result.errors or result.data is None:
            self._set_header(NO_STORE)
            return
        self._set_header(cache_control(plan))
        if looked is None:
            return
        kept = CostedResult(result.data, actual_cost_of(result))
        self.execution_context.result = kept  # counted here once, not again by CostGuard
        body = entry(kept.cost, orjson.dumps(kept.data))
        max_age = plan.max_age
        books = self.execution_context.context.loaders.products_read
        if plan.holds_stock and len(books) <= FILED_STOCK_BOOKS:
            tags = [*tags, *(stock_of(book) for book in sorted(books))]
            max_age = plan.filed_max_age
        await self._store.put(key, body, max_age=max_age, tags=tags, since=looked.mark)

    async def _forget_answers_of(self, viewer: Viewer | None) -> None:
        """Before a mutation answers, its viewer's own answers go (and, for staff, the books':
        only staff change a book). The events drop them too, later: a store that cannot be
        reached now is left to them."""
        if viewer is None:
            return
        tags = [viewer_tag(viewer.member.id), *([CATALOGUE] if viewer.is_staff else [])]
        await self._store.invalidate_now(tags)

    def _set_header(self, value: str) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if isinstance(response, Response):
            response.headers["Cache-Control"] = _stricter(
                response.headers.get("Cache-Control"), value
            )

    def get_results(self) -> dict[str, Any]:
        return {} if self._report is None else {"responseCache": self._report}
