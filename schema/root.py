"""The root types and the Schema object."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from functools import partial
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult, Info
from strawberry.types.graphql import OperationType

from resolvers.catalogue import get_product, list_products, product_by_isbn
from resolvers.context import Context
from resolvers.mutations import (
    resolve_adjust_stock,
    resolve_cancel_order,
    resolve_create_product,
    resolve_place_order,
)
from resolvers.nodes import get_me, get_node
from resolvers.orders import get_order, list_orders
from resolvers.preload import order_fields
from resolvers.subscriptions import order_status_changes
from schema.catalogue import ProductConnection, ProductType
from schema.common import Node
from schema.document_size import DocumentBounds
from schema.documents import AcceptedDocuments, GuardedDocuments
from schema.extensions import OperationMetrics, RefuseInvalidToken
from schema.guards import ApiLimits, CostGuard, MaskUnexpectedErrors
from schema.member import MemberType
from schema.mutations import (
    CancelOrderPayload,
    CreateProductInput,
    PlaceOrderInput,
    PlaceOrderPayload,
    ProductPayload,
)
from schema.orders import OrderConnection, OrderFilter, OrderType
from schema.scalars import SCALARS
from schema.suggestions import remove_suggestions


@strawberry.type
class Query:
    @strawberry.field
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        return await get_node(info.context, id)

    @strawberry.field
    async def product(self, info: Info[Context, None], id: strawberry.ID) -> ProductType | None:
        return await get_product(info.context, id)

    @strawberry.field
    async def product_by_isbn(self, info: Info[Context, None], isbn: str) -> ProductType | None:
        return await product_by_isbn(info.context, isbn)

    @strawberry.field(
        description="first is capped (100 at most); more is an error, not a silent cut."
    )
    async def products(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        search: str | None = None,
    ) -> ProductConnection:
        return await list_products(info.context, first, after, search)

    @strawberry.field
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> OrderType | None:
        return await get_order(info.context, id, order_fields(info, "*"))

    @strawberry.field
    async def orders(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        filter: OrderFilter | None = None,
    ) -> OrderConnection:
        selected = order_fields(info, "*", "edges", "node")
        return await list_orders(info.context, first, after, filter, selected)

    @strawberry.field
    def me(self, info: Info[Context, None]) -> MemberType | None:
        return get_me(info.context)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Pushes the order each time its status changes; only to its owner or staff."
    )
    async def order_status_changed(
        self, info: Info[Context, None], order_id: strawberry.ID
    ) -> AsyncIterator[OrderType]:
        async for order in order_status_changes(info.context, order_id):
            yield order


class OrderServiceSchema(strawberry.Schema):
    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """One answer per request: a subscription is a stream, served on the WebSocket only.
        Strawberry lets POST carry one and would run it as a query (an internal error); here
        it is refused like any operation the method does not allow (400)."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """No logging here: `MaskUnexpectedErrors` logs what was unexpected, with its error id;
        refusals and invalid queries are answers, not faults. Where field suggestions are off
        (production), every other suggestion goes too."""
        if self.config.disable_field_suggestions:
            remove_suggestions(errors)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def place_order(
        self,
        info: Info[Context, None],
        input: PlaceOrderInput,
    ) -> PlaceOrderPayload:
        return await resolve_place_order(info.context, input)

    @strawberry.mutation
    async def cancel_order(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        reason: str | None = None,
    ) -> CancelOrderPayload:
        return await resolve_cancel_order(info.context, id, reason)

    @strawberry.mutation(description="Staff only.")
    async def create_product(
        self,
        info: Info[Context, None],
        input: CreateProductInput,
    ) -> ProductPayload:
        return await resolve_create_product(info.context, input)

    @strawberry.mutation(
        description="Staff only. Adds delta to the available quantity; a removal that would "
        "take it below zero is refused."
    )
    async def adjust_stock(
        self, info: Info[Context, None], product_id: strawberry.ID, delta: int
    ) -> ProductPayload:
        return await resolve_adjust_stock(info.context, product_id, delta)


def validation_rules(limits: ApiLimits) -> list[type[ASTValidationRule]]:
    """The rules our limits add to GraphQL validation, built once for the schema.

    Strawberry's depth and alias limiters build a new rule class each time one is constructed,
    and the validation cache keys on the rules as well as the document: one limiter per request
    would make every request a cache miss and validate the whole document again.
    """
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    if not limits.introspection:
        rules.extend(DisableIntrospection().validation_rules)
    return rules


def build_schema(limits: ApiLimits | None = None) -> strawberry.Schema:
    limits = limits or ApiLimits()
    extensions: list[Callable[[], SchemaExtension]] = [
        # the same query text is parsed and validated once, not on every request
        partial(
            GuardedDocuments,
            accepted=AcceptedDocuments(limits.document_cache_bytes),
            bounds=DocumentBounds(limits.max_selections, limits.max_field_repeats),
            refusal_cost=limits.refused_document_cost,
        ),
        RefuseInvalidToken,
        partial(AddValidationRules, validation_rules(limits)),
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(CostGuard, max_cost=limits.max_cost),
        MaskUnexpectedErrors,
        OperationMetrics,
    ]
    return OrderServiceSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[ProductType, OrderType, MemberType],
        extensions=extensions,
        config=StrawberryConfig(
            disable_field_suggestions=not limits.field_suggestions,
            batching_config={"max_operations": limits.max_batch},
            scalar_map=SCALARS,
        ),
    )
