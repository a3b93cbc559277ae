"""The requested cost of an operation sent again is kept (schema/limits/cost.py,
`RequestedCosts`): by its text, its name and the values of the variables the count reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from graphql import parse

from schema.limits import cost
from schema.limits.cost import RequestedCosts, requested_cost
from schema.limits.served import graphql_schema_of
from schema.root import build_schema

PAGE = """
query Page($first: Int, $after: String, $id: ID!) {
  orders(first: $first, after: $after) { edges { node { number items { quantity } } } }
  order(id: $id) { number }
}
"""


def test_an_operation_is_counted_once_for_each_page_size(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = graphql_schema_of(build_schema())
    document = parse(PAGE)
    asks: list[dict[str, Any]] = [
        {"first": 10, "after": None, "id": "a"},
        {"first": 10, "after": "c1", "id": "b"},
        {"first": 50, "after": None, "id": "a"},
        {"first": 10, "after": "c2", "id": "c"},
        {"first": 50, "after": "c3", "id": "d"},
        {"after": None, "id": "e"},
    ]
    expected = [requested_cost(schema, document, "Page", variables) for variables in asks]
    walks: list[Mapping[str, Any]] = []
    counted = cost._counted

    def counting(*args: Any) -> tuple[int, tuple[str, ...]]:
        walks.append(args[3])
        return counted(*args)

    monkeypatch.setattr(cost, "_counted", counting)
    costs = RequestedCosts()
    assert [costs(schema, PAGE, document, "Page", variables) for variables in asks] == expected
    assert [walk.get("first") for walk in walks] == [10, 50, None]
    assert requested_cost(schema, document, "Page", asks[0]) != requested_cost(
        schema, document, "Page", asks[2]
    )


DEFAULTED = "query Page($n: Int = 100) { products(first: $n) { edges { node { id } } } }"


def test_a_variable_left_out_pages_by_its_default() -> None:
    schema = graphql_schema_of(build_schema())
    document = parse(DEFAULTED)

    def cost_of(variables: dict[str, Any]) -> int:
        return requested_cost(schema, document, "Page", variables)

    assert cost_of({}) == cost_of({"n": 100}) == 1 + 100 * 2
    assert cost_of({"n": None}) == 1 + cost.DEFAULT_PAGE * 2  # null is no page size at all


def test_a_kept_cost_tells_a_variable_left_out_from_a_null_one() -> None:
    schema = graphql_schema_of(build_schema())
    document = parse(DEFAULTED)
    costs = RequestedCosts()
    asks: list[dict[str, Any]] = [{}, {"n": None}, {}, {"n": None}]
    assert [costs(schema, DEFAULTED, document, "Page", variables) for variables in asks] == [
        requested_cost(schema, document, "Page", variables) for variables in asks
    ]
