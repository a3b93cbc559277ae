"""The root types and the Schema object."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    Executor,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
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
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from domain.answers import AnswerStore
from schema.catalogue import fields as catalogue
from schema.catalogue.types import ProductType
from schema.common.payloads import answered_in_payload
from schema.common.permissions import STAFF, IsSignedIn
from schema.common.scalars import SCALARS
from schema.limits.cost import RequestedCosts
from schema.limits.document_size import DocumentBounds
from schema.limits.documents import AcceptedDocuments, GuardedDocuments
from schema.limits.extensions import OperationMetrics, RefuseInvalidToken
from schema.limits.guards import ApiLimits, CostGuard, MaskUnexpectedErrors, masked
from schema.limits.suggestions import remove_suggestions
from schema.members import fields as members
from schema.nodes import node
from schema.orders import fields as orders
from schema.orders.address_change import change_delivery_address
from schema.orders.returns import request_return
from schema.orders.search import order_search
from schema.orders.shipping import shipping_policy
from schema.orders.types import MemberWithOrders, OrderType, order_connection
from schema.response_cache.extension import ResponseCache
from schema.response_cache.plan import Plans


@strawberry.type
class Query:
    node = strawberry.field(resolver=node)
    product = strawberry.field(resolver=catalogue.product)
    product_by_isbn = strawberry.field(resolver=catalogue.product_by_isbn_field)
    products = strawberry.field(
        resolver=catalogue.products,
        description="first is capped (100 at most); more is an error, not a silent cut.",
    )
    order = strawberry.field(resolver=orders.order)
    orders = strawberry.field(resolver=order_connection)
    me = strawberry.field(resolver=members.me)
    shipping_policy = strawberry.field(
        resolver=shipping_policy,
        description="Added (issue 17). The shipping fee and the sale subtotal from which an "
        "order ships free.",
    )
    search_orders = strawberry.field(
        resolver=order_search,
        description="Staff only (FORBIDDEN for a customer): customer service's order search, "
        "newest first, paged like orders (first is capped at 100).",
    )


@strawberry.type
class Subscription:
    order_status_changed = strawberry.subscription(
        resolver=orders.order_status_changed,
        description="Pushes the order each time its status changes; only to its owner or staff.",
    )


class NamedOperationContext(ExecutionContext):
    """strawberry's, whose operation name, when the client sent none, is the first operation's
    of the document: graphql-core then ran the first of several operations (a mutation, it may
    be), where the GraphQL spec makes a document of several without a name a request error.
    Here it has no name then, and graphql-core answers "Must provide operation name if query
    contains multiple operations." before anything runs."""

    @property
    def operation_name(self) -> str | None:
        document = self.graphql_document
        if self._provided_operation_name is None and document is not None:
            operations = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
            if sum(1 for _ in operations) > 1:
                return None
        return super().operation_name


class OrderServiceSchema(strawberry.Schema):
    @property
    def graphql_schema(self) -> GraphQLSchema:
        """The graphql-core schema this one serves (`schema.limits.served`): strawberry builds
        it in `__init__` and keeps it as `_schema`, with no public accessor."""
        return self._schema

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
        it is refused like any operation the method does not allow (400).

        What escapes an extension's hook strawberry answers as an error of the exception's own
        text, after `MaskUnexpectedErrors` has run: it is masked here."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )
        if result.errors:
            result.errors = [masked(error) for error in result.errors]
        return result

    def _create_execution_context(
        self,
        query: str | None,
        allowed_operation_types: Iterable[OperationType],
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionContext:
        """As strawberry's, of `NamedOperationContext`."""
        return NamedOperationContext(
            query=query,
            schema=self,
            allowed_operations=allowed_operation_types,
            context=context_value,
            root_value=root_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            operation_extensions=operation_extensions,
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
    """Every mutation answers its refusals, its permissions' too, in its payload's `errors`."""

    place_order = strawberry.mutation(
        resolver=orders.place_order,
        extensions=answered_in_payload(IsSignedIn, under=("input",)),
    )
    cancel_order = strawberry.mutation(
        resolver=orders.cancel_order,
        extensions=answered_in_payload(IsSignedIn),
    )
    cancel_order_lines = strawberry.mutation(
        resolver=orders.cancel_order_lines,
        description="부분취소: cancel some copies of a paid order (PAID or PREPARING) before its "
        "parcel is picked up; lines name a book of the order and how many of its copies to "
        "cancel. The card gets back exactly its part, points come back after the card, and the "
        "shipping fee is taken from the refund when the rest falls below the free-shipping "
        "threshold. Cancelling every copy cancels the order. INVALID_STATE before payment "
        "(cancel the whole order instead) and after pickup.",
        extensions=answered_in_payload(IsSignedIn),
    )
    change_delivery_address = strawberry.mutation(
        resolver=change_delivery_address,
        description="Added (issue #14). 배송지 변경: deliver the order to this address, until "
        "its parcel is picked up (then INVALID_STATE); a registered parcel's address changes "
        "with the carrier.",
        extensions=answered_in_payload(IsSignedIn),
    )
    request_return = strawberry.mutation(
        resolver=request_return,
        description="Added (issue #14). 반품: send these copies of a delivered order back, "
        "within ORDERS_RETURN_DAYS of delivery (then INVALID_STATE naming the last day). A "
        "return parcel is registered with the carrier; once it is back, the stock returns and "
        "the card is refunded, less the return fee (and the outbound fee the return undoes) "
        "on a change of mind; points earned on the copies are taken back.",
        extensions=answered_in_payload(IsSignedIn),
    )
    create_product = strawberry.mutation(
        resolver=catalogue.create_product,
        description="Staff only.",
        extensions=answered_in_payload(*STAFF, under=("input",)),
    )
    change_product_rates = strawberry.mutation(
        resolver=catalogue.change_product_rates,
        description="Staff only. Sets a book's discount and points rates, in basis points of "
        "its list price; beyond 도서정가제 (a discount over 1000, or discount and points over "
        "1500) is BOOK_PRICE_LAW. Orders placed already keep the rates of their moment.",
        extensions=answered_in_payload(*STAFF),
    )
    adjust_stock = strawberry.mutation(
        resolver=catalogue.adjust_stock,
        description="Staff only. Adds delta to the available quantity; a removal that would "
        "take it below zero is refused.",
        extensions=answered_in_payload(*STAFF),
    )


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


def build_schema(
    limits: ApiLimits | None = None,
    execution_context_class: type[Executor[Any]] | None = None,
    answers: AnswerStore | None = None,
    plans: Plans | None = None,
) -> strawberry.Schema:
    """The schema with our limits; `execution_context_class` is how its operations are walked
    (graphql-core's own when None; the app passes the compiled path of
    `infrastructure.graphql_execution`). With `answers`, queries are answered from the response
    cache when they may be (`schema/response_cache/`), by `plans` (the endpoint's early path
    reads the same)."""
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
        partial(CostGuard, max_cost=limits.max_cost, costs=RequestedCosts()),
        MaskUnexpectedErrors,
        *([partial(ResponseCache, store=answers, plans=plans or Plans())] if answers else []),
        OperationMetrics,
    ]
    return OrderServiceSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[ProductType, OrderType, MemberWithOrders],
        extensions=extensions,
        execution_context_class=execution_context_class,
        config=StrawberryConfig(
            disable_field_suggestions=not limits.field_suggestions,
            batching_config={"max_operations": limits.max_batch},
            scalar_map=SCALARS,
        ),
    )
