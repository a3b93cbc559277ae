"""Equality is the test of the compiled execution path (infrastructure/graphql_execution).

Every query document the test suite and the bench send (read off their sources), and a corpus
generated from our schema by hypothesis-graphql (tests/e2e/differential_corpus.py), run against
seeded orders (full ones, one with neither payment nor delivery, one with a second address line)
as nobody, as the orders' owner and as staff (the suite's documents as each of them, the
generated ones as each in turn): the compiled executor's answer must equal graphql-core's byte
for byte after orjson, data and errors (message, locations, path, extensions, and the type of
the original error that decides the masking) alike. Both run on the same strawberry schema with
its resolvers, DataLoaders and database; only the executor class differs.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    TypeNode,
    execute,
    parse,
    validate,
)
from graphql.execution.middleware import MiddlewareManager
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SqlAlchemyTimeout
from starlette.requests import Request
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.utils.await_maybe import await_maybe

from api_app import api_limits, context_factory
from bootstrap import Services
from domain.member import Role
from infrastructure.database.tables import (
    delivery_event_table,
    delivery_table,
    order_table,
    payment_table,
)
from infrastructure.graphql_execution import CompiledExecutionContext
from resolvers.common.ids import to_global_id
from schema.limits.cost import actual_cost_of
from schema.root import build_schema
from tests.e2e.differential_corpus import generated_documents, stored_documents
from tests.support.factories import (
    create_member,
    create_order,
    create_product,
    random_member_id,
    token_for,
)

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 3
"""A pair whose database failed under it (not the executor's doing: PostgreSQL is shared with
other runs) is asked again, this often at most, then left out; at most 2 % may be left out."""
FRESH = int(os.environ.get("ORDERS_DIFFERENTIAL_FRESH", "100"))


class CountingCompiled(CompiledExecutionContext):
    """The compiled executor, counting the operations it was built for (their variables were
    valid) and those its plans walked (not handed back to graphql-core)."""

    built = 0
    walked = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        CountingCompiled.built += 1

    def execute_object_plan(self, plan: Any, source: Any, path: Any) -> Any:
        if path is None:
            CountingCompiled.walked += 1
        return super().execute_object_plan(plan, source, path)


@dataclass
class Seeded:
    orders: list[str]
    products: list[str]
    member: str
    tokens: list[str | None]


@pytest.fixture(scope="module")
async def seeded(services: Services) -> Seeded:
    engine = services.engine
    member = await create_member(engine)
    products = [await create_product(engine, available=5) for _ in range(3)]
    orders = [
        (await create_order(engine, member_id=member, product_ids=products[: n + 1])).id
        for n in range(3)
    ]
    async with engine.begin() as conn:
        # one order with neither payment nor delivery, and one with a second address line
        bare = orders[0]
        delivery_ids = delivery_table.select().where(delivery_table.c.order_id == bare)
        await conn.execute(
            delete(delivery_event_table).where(
                delivery_event_table.c.delivery_id.in_(
                    delivery_ids.with_only_columns(delivery_table.c.id).scalar_subquery()
                )
            )
        )
        await conn.execute(delete(delivery_table).where(delivery_table.c.order_id == bare))
        await conn.execute(delete(payment_table).where(payment_table.c.order_id == bare))
        await conn.execute(
            update(order_table).where(order_table.c.id == orders[1]).values(line2="3층")
        )
    secret = services.settings.effective_jwt_secret
    return Seeded(
        orders=[to_global_id("Order", order) for order in orders],
        products=[to_global_id("Product", product) for product in products],
        member=member,
        tokens=[
            None,
            token_for(secret, member),
            token_for(secret, random_member_id(), Role.STAFF),
        ],
    )


def suite_documents() -> list[str]:
    """Every string literal of tests/ and bench/ that is a GraphQL document with a query."""
    found: dict[str, None] = {}
    for folder in ("tests", "bench"):
        for source in sorted((ROOT / folder).rglob("*.py")):
            if "node_modules" in source.parts:
                continue
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    text = node.value
                    if "{" in text and ("query" in text or text.lstrip().startswith("{")):
                        try:
                            document = parse(text)
                        except GraphQLError:
                            continue
                        if any(_is_query(d) for d in document.definitions):
                            found[text] = None
    return list(found)


def _is_query(definition: object) -> bool:
    return (
        isinstance(definition, OperationDefinitionNode)
        and definition.operation is OperationType.QUERY
    )


def _value(type_node: TypeNode, name: str, seeded: Seeded) -> Any:
    """A value for a variable of the suite's documents, taken from the seeded data."""
    if isinstance(type_node, NonNullTypeNode):
        return _value(type_node.type, name, seeded)
    if isinstance(type_node, ListTypeNode):
        return [_value(type_node.type, name, seeded)]
    assert isinstance(type_node, NamedTypeNode)
    type_name = type_node.name.value
    lowered = name.lower()
    values: dict[str, Any] = {
        "ID": seeded.products[0] if "product" in lowered else seeded.orders[1],
        "Int": 2,
        "String": None,
        "Boolean": True,
        "DateTime": "2020-01-01T00:00:00+00:00",
        "OrderStatus": "PREPARING",
        "OrderFilter": {"status": ["PREPARING", "PENDING"]},
    }
    return values.get(type_name)


def _runs(document: DocumentNode, seeded: Seeded) -> list[tuple[str | None, dict[str, Any]]]:
    runs = []
    for definition in document.definitions:
        if _is_query(definition):
            assert isinstance(definition, OperationDefinitionNode)
            variables = {
                variable.variable.name.value: _value(
                    variable.type, variable.variable.name.value, seeded
                )
                for variable in definition.variable_definitions or ()
            }
            name = definition.name.value if definition.name else None
            runs.append((name, variables))
    return runs


def _request() -> Request:
    return Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/graphql",
            "headers": [],
            "query_string": b"",
            "client": ("127.0.0.1", 5000),
        }
    )


def _bytes(result: ExecutionResult) -> bytes:
    """The answer, the errors' original classes, and the actual cost: graphql-core's result is
    walked for it, the compiled one's may come counted (`CountedResult`)."""
    originals = [type(error.original_error).__name__ for error in result.errors or ()]
    cost = actual_cost_of(result)
    return orjson.dumps({"answer": result.formatted, "originals": originals, "cost": cost})


async def _answer(
    schema: GraphQLSchema,
    executor_class: type[Any],
    document: DocumentNode,
    operation: str | None,
    variables: dict[str, Any],
    context: Any,
) -> tuple[bytes, bool]:
    """The answer as bytes, and whether the database failed under it (the machine's PostgreSQL
    is shared: another run can take every connection for a moment)."""
    result = await await_maybe(
        execute(
            schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation,
            executor_class=executor_class,
            middleware=MiddlewareManager(),
        )
    )
    assert isinstance(result, ExecutionResult)
    faulted = any(
        isinstance(error.original_error, DBAPIError | SqlAlchemyTimeout | OSError)
        for error in result.errors or ()
    )
    return _bytes(result), faulted


async def _differences(
    services: Services, seeded: Seeded, documents: list[str], *, every_viewer: bool
) -> tuple[int, list[str]]:
    """Each document as each viewer, or (`every_viewer` false) as one of them in turn."""
    strawberry_schema = build_schema(api_limits(services.settings))
    schema = strawberry_schema._schema
    contexts = context_factory(services)
    compared = unanswered = 0
    differences: list[str] = []
    for number, text in enumerate(documents):
        document = parse(text)
        if validate(schema, document):
            continue
        tokens = seeded.tokens if every_viewer else [seeded.tokens[number % len(seeded.tokens)]]
        for operation, variables in _runs(document, seeded):
            for token in tokens:
                authorization = f"Bearer {token}" if token else None
                for _attempt in range(ATTEMPTS):
                    answers = [
                        await _answer(
                            schema,
                            executor_class,
                            document,
                            operation,
                            variables,
                            await contexts(_request(), None, authorization),
                        )
                        for executor_class in (
                            StrawberryGraphQLCoreExecutionContext,
                            CountingCompiled,
                        )
                    ]
                    if not any(faulted for _, faulted in answers):
                        break
                else:
                    unanswered += 1
                    continue
                compared += 1
                (reference, _), (compiled, _) = answers
                if reference != compiled:
                    differences.append(
                        f"{text}\n{operation} {variables} token={bool(token)}\n"
                        f"graphql-core: {reference!r}\ncompiled:     {compiled!r}"
                    )
    assert unanswered <= 0.02 * (compared + unanswered), f"the database failed {unanswered} times"
    return compared, differences


async def test_the_suites_queries_answer_the_same(services: Services, seeded: Seeded) -> None:
    documents = suite_documents()
    built_before, walked_before = CountingCompiled.built, CountingCompiled.walked
    compared, differences = await _differences(services, seeded, documents, every_viewer=True)
    assert not differences, f"{len(differences)} of {compared} differ:\n" + "\n\n".join(
        differences[:5]
    )
    assert compared >= 100, compared
    built = CountingCompiled.built - built_before
    assert CountingCompiled.walked - walked_before == built > 0.9 * compared


async def test_generated_queries_answer_the_same(services: Services, seeded: Seeded) -> None:
    stored = stored_documents()
    fresh = generated_documents(build_schema().as_str(), FRESH, seed=len(stored))
    documents = list(dict.fromkeys(stored + fresh))
    built_before, walked_before = CountingCompiled.built, CountingCompiled.walked
    compared, differences = await _differences(services, seeded, documents, every_viewer=False)
    assert not differences, f"{len(differences)} of {compared} differ:\n" + "\n\n".join(
        differences[:5]
    )
    assert compared >= 0.9 * len(stored), compared
    built = CountingCompiled.built - built_before
    assert CountingCompiled.walked - walked_before == built > 0.9 * compared
