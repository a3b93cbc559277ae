"""What the response cache makes of an operation: every type a query can reach has a hint, and
an answer is filed under the entities it holds (the viewer's lists and points, staff's under
every order, the order its id names), or not kept."""

from __future__ import annotations

from uuid import uuid4

from graphql import (
    GraphQLNamedType,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    parse,
)

from domain.answers import ALL_ORDERS, order_tag, orders_of, points_of, viewer_tag
from domain.member import Member, Role, Viewer
from resolvers.common.ids import to_global_id
from schema.limits.served import graphql_schema_of
from schema.response_cache.hints import HINTS, Scope
from schema.response_cache.plan import Plan, Plans, plan_operation
from schema.root import build_schema

SCHEMA = graphql_schema_of(build_schema())
CUSTOMER = Viewer(Member("m-1", None, None), Role.CUSTOMER)
STAFF = Viewer(Member("s-1", None, None), Role.STAFF)


def _plan(query: str, name: str | None = None) -> Plan:
    return plan_operation(SCHEMA, parse(query), name)


def _reachable() -> set[str]:
    assert SCHEMA.query_type is not None
    seen: set[str] = set()
    stack: list[GraphQLNamedType] = [SCHEMA.query_type]
    while stack:
        kind = stack.pop()
        if kind.name in seen:
            continue
        seen.add(kind.name)
        for field in getattr(kind, "fields", {}).values():
            named = get_named_type(field.type)
            if is_composite_type(named):
                stack.append(named)
        if is_abstract_type(kind):
            stack.extend(SCHEMA.get_possible_types(kind))
    return seen


def test_every_type_a_query_reaches_says_how_long_it_may_be_kept() -> None:
    assert sorted(_reachable() - set(HINTS)) == []
    assert sorted(set(HINTS) - _reachable()) == []  # and no hint outlives its type


def test_a_members_points_are_filed_under_them_and_staffs_under_every_order() -> None:
    plan = _plan("{ me { points { balance entries(first: 5) { edges { node { amount } } } } } }")
    assert (plan.kept, plan.scope) == (True, Scope.PRIVATE)
    assert plan.tags(CUSTOMER, {}) == [viewer_tag("m-1"), points_of("m-1")]
    assert plan.tags(STAFF, {}) == [viewer_tag("s-1"), ALL_ORDERS]
    assert plan.tags(None, {}) is None


def test_lists_and_points_together_are_filed_under_both() -> None:
    plan = _plan("{ me { points { balance } orders(first: 5) { edges { node { id } } } } }")
    assert plan.tags(CUSTOMER, {}) == [viewer_tag("m-1"), orders_of("m-1"), points_of("m-1")]


def test_an_order_by_id_is_filed_under_it_and_its_operation_keeps_its_name() -> None:
    order_id = uuid4()
    plan = _plan("query Order($id: ID!) { order(id: $id) { status } }")
    assert plan.operation == "Order"
    variables = {"id": to_global_id("Order", order_id)}
    assert plan.tags(CUSTOMER, variables) == [viewer_tag("m-1"), order_tag(order_id)]
    assert plan.tags(CUSTOMER, {"id": "not an id"}) is None


def test_staffs_order_search_is_never_kept() -> None:
    plan = _plan(
        '{ searchOrders(criteria: {recipient: "김민"}, first: 5) { edges { node { id } } } }'
    )
    assert not plan.kept


def test_a_document_with_one_operation_is_known_by_its_name_and_without_it() -> None:
    query = "query Mine { me { orders(first: 5) { edges { node { id } } } } }"
    plans = Plans()
    assert plans.known(query, None) is None
    plan = plans.of(SCHEMA, query, parse(query), "Mine")
    assert plans.known(query, "Mine") is plans.known(query, None) is plan
    two = f"{query} query Other {{ me {{ id }} }}"
    plans.of(SCHEMA, two, parse(two), "Mine")
    assert plans.known(two, None) is None  # which one a nameless request means is not ours to say


def test_an_answer_showing_stock_is_kept_longer_when_filed_under_it() -> None:
    """Stock's own hint (10 s) is what the answer lives without its books' stock tags, and what
    Cache-Control says; filed under them, it lives as long as the rest allows (60 s here)."""
    plan = _plan(
        "query O($id: ID!) { order(id: $id) { items { product { title stock { available } } } } }"
    )
    assert (plan.holds_stock, plan.max_age, plan.filed_max_age) == (True, 10, 60)
    without = _plan("query O($id: ID!) { order(id: $id) { items { product { title } } } }")
    assert (without.holds_stock, without.max_age) == (False, 60)
