"""The resolve info a directly called resolver gets: its context at once, the rest on demand."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo
from graphql.pyutils import Path

from infrastructure.graphql_execution.plans import FieldPlan, Walker


class LazyResolveInfo:
    """Stands for graphql-core's resolve info inside strawberry's `Info`.

    Most resolvers read only `info.context`: that is a plain attribute. Anything else (the path,
    the selected fields, the variables, …) builds the very info graphql-core would have built,
    once, through the executor's own `build_resolve_info`, and reads it there.
    """

    __slots__ = ("_executor", "_parent_path", "_plan", "_real", "context")

    def __init__(self, executor: Walker, plan: FieldPlan, parent_path: Path | None) -> None:
        self.context = executor.context_value
        self._executor = executor
        self._plan = plan
        self._parent_path = parent_path
        self._real: GraphQLResolveInfo[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        real = self._real
        if real is None:
            plan = self._plan
            path = Path(self._parent_path, plan.key, plan.parent_type.name)
            real = self._real = self._executor.field_info(
                plan.field_def, plan.details, plan.parent_type, path
            )
        return getattr(real, name)
