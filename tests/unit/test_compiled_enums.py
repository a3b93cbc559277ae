"""The compiled executor names an enum's members from a table built with the plan, where
strawberry's coercion compares a member with each of the enum's values on every call."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from graphql import ExecutionResult, GraphQLEnumType, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from infrastructure.graphql_execution import CompiledExecutionContext


@strawberry.enum
class Colour(Enum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


@strawberry.type
class Query:
    @strawberry.field
    def colours(self) -> list[Colour]:
        return [Colour.BLUE, Colour.RED, Colour.BLUE]

    @strawberry.field
    def favourite(self) -> Colour | None:
        return None


QUERY = parse("{ colours favourite }")


def _answer(executor: type[Any]) -> tuple[ExecutionResult, int]:
    """The answer through `executor` on a schema of its own, and how often strawberry's enum
    coercion was asked."""
    schema = strawberry.Schema(query=Query)._schema
    enum_type = schema.get_type("Colour")
    assert isinstance(enum_type, GraphQLEnumType)
    asked: list[object] = []
    coerce = enum_type.coerce_output_value

    def counted(value: Any) -> Any:
        asked.append(value)
        return coerce(value)

    enum_type.coerce_output_value = counted  # type: ignore[method-assign,assignment]
    result = execute(schema, QUERY, root_value=Query(), executor_class=executor)
    assert isinstance(result, ExecutionResult)
    return result, len(asked)


def test_enum_members_are_named_without_strawberrys_coercion() -> None:
    compiled, asked = _answer(CompiledExecutionContext)
    core, _ = _answer(StrawberryGraphQLCoreExecutionContext)

    assert compiled.formatted == core.formatted
    assert compiled.data == {"colours": ["BLUE", "RED", "BLUE"], "favourite": None}
    assert asked == 0
