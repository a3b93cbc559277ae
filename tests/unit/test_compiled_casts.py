"""The compiled walk runs an object type's plan itself for a value of exactly its Python class;
for a type with interfaces, whose strawberry `is_type_of` reads `strawberry.cast`, not for a
value cast to another type: that one fails the check as it does through graphql-core."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from infrastructure.graphql_execution import CompiledExecutionContext


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Book(Named):
    pages: int


@strawberry.type
class Film(Named):
    minutes: int


@strawberry.type
class Query:
    @strawberry.field
    def book(self) -> Book:
        return Book(name="소년이 온다", pages=216)

    @strawberry.field
    def books(self) -> list[Book | None]:
        cast: Any = strawberry.cast(Film, Book(name="채식주의자", pages=247))
        return [Book(name="흰", pages=195), cast]


SCHEMA = strawberry.Schema(query=Query)._schema
QUERY = parse("{ book { name pages } books { name pages } }")


def _answer(executor: type[Any]) -> ExecutionResult:
    result = execute(SCHEMA, QUERY, root_value=Query(), executor_class=executor)
    assert isinstance(result, ExecutionResult)
    return result


def test_a_value_cast_to_another_type_fails_as_through_graphql_core() -> None:
    compiled = _answer(CompiledExecutionContext)
    core = _answer(StrawberryGraphQLCoreExecutionContext)

    assert compiled.formatted == core.formatted
    assert compiled.data == {
        "book": {"name": "소년이 온다", "pages": 216},
        "books": [{"name": "흰", "pages": 195}, None],
    }
    assert [error.path for error in compiled.errors or ()] == [["books", 1]]
