"""Errors in a stream's results are masked as each result is sent, as a request's are: a
subscription's field that fails, a stream that fails mid-way, and variables refused before the
first result (INVALID_INPUT), on a small schema of its own with the service's extension."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import strawberry
from strawberry.types import ExecutionResult

from schema.limits.guards import MaskUnexpectedErrors


@strawberry.type
class Parcel:
    number: int

    @strawberry.field
    def secret(self) -> int | None:
        raise RuntimeError("the database password is hunter2")


@strawberry.type
class Query:
    ready: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def parcels(self, count: int) -> AsyncIterator[Parcel]:
        for number in range(count):
            yield Parcel(number=number)
        raise RuntimeError("the broker's address is 10.0.0.7")


SCHEMA = strawberry.Schema(
    query=Query, subscription=Subscription, extensions=[MaskUnexpectedErrors]
)


async def _results(document: str, variables: dict[str, Any]) -> list[tuple[Any, list[Any]]]:
    stream = await SCHEMA.stream(document, variable_values=variables)
    results = [result async for result in stream]
    assert all(isinstance(result, ExecutionResult) for result in results)
    return [
        (result.data, [(error.message, error.extensions) for error in result.errors or ()])
        for result in results
        if isinstance(result, ExecutionResult)
    ]


def _internal(errors: list[Any]) -> bool:
    return [
        (message.startswith("internal error (id "), extensions["code"])
        for message, extensions in errors
    ] == [(True, "INTERNAL")]


async def test_a_field_failing_in_a_pushed_result_is_masked() -> None:
    results = await _results("subscription { parcels(count: 1) { number secret } }", {})

    data, errors = results[0]
    assert data == {"parcels": {"number": 0, "secret": None}}
    assert _internal(errors)


async def test_a_stream_failing_mid_way_is_masked() -> None:
    results = await _results("subscription { parcels(count: 1) { number } }", {})

    assert [data for data, _ in results] == [{"parcels": {"number": 0}}, None]
    assert _internal(results[1][1])


async def test_refused_variables_are_invalid_input_and_validation_errors_keep_no_code() -> None:
    refused = await _results(
        "subscription ($n: Int!) { parcels(count: $n) { number } }", {"n": "x"}
    )
    invalid = await _results("subscription { parcels { nosuchfield } }", {})

    assert [extensions for _, errors in refused for _, extensions in errors] == [
        {"code": "INVALID_INPUT"}
    ]
    assert [extensions for _, errors in invalid for _, extensions in errors] == [{}, {}]
