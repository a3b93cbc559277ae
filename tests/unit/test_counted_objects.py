"""The compiled executor counts the objects it builds, so the cost guard need not walk the answer
again (`CountedResult`), but only where the count is the walk's: no error, nothing completed by
graphql-core, no leaf that is a dict."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.scalars import JSON

from infrastructure.graphql_execution import CompiledExecutionContext
from infrastructure.graphql_execution.executor import CountedResult
from schema.limits.cost import actual_cost, actual_cost_of


@strawberry.type
class Line:
    title: str

    @strawberry.field
    def fails(self) -> int:
        raise ValueError("no")


@strawberry.type
class Order:
    number: str
    lines: list[Line]
    blob: JSON


@strawberry.type
class Query:
    @strawberry.field
    def orders(self) -> list[Order | None]:
        blob: Any = {"a": {"b": 1}}
        return [Order(number="1", lines=[Line(title="a"), Line(title="b")], blob=blob), None]


SCHEMA = strawberry.Schema(query=Query)._schema


def _run(query: str) -> ExecutionResult:
    result = execute(
        SCHEMA, parse(query), root_value=Query(), executor_class=CompiledExecutionContext
    )
    assert isinstance(result, ExecutionResult)
    return result


def test_the_objects_built_are_counted_as_the_walk_counts_them() -> None:
    result = _run("{ orders { number lines { title } again: lines { __typename } } }")
    assert isinstance(result, CountedResult)
    assert result.objects_in_data == actual_cost(result.data) == 5
    assert actual_cost_of(result) == 5


def test_an_answer_with_an_error_or_a_dict_leaf_is_walked() -> None:
    failed = _run("{ orders { lines { title fails } } }")
    assert failed.errors
    assert not isinstance(failed, CountedResult)
    with_blob = _run("{ orders { number blob } }")
    assert not with_blob.errors
    assert not isinstance(with_blob, CountedResult)
    data: Any = with_blob.data
    assert actual_cost_of(with_blob) == actual_cost(data) == 3
