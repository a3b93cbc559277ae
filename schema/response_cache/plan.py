"""What an operation holds, worked out once per document and operation name (as the parser's
cache keeps documents): its lifetime and scope by the hints, and where the entities it holds
come from, so that each request only fills in its ids and its viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    is_composite_type,
    visit,
)

from domain.answers import ALL_ORDERS, CATALOGUE, order_tag, orders_of, points_of, viewer_tag
from domain.member import Viewer
from resolvers.common.ids import canonical_uuid, decode_opaque
from schema.response_cache.hints import FILED_STOCK_SECONDS, HINTS, Scope

PLANS_KEPT = 1000
"""Plans kept, by (document, operation name): as many operations as clients send, in practice."""
BY_ID = frozenset({"order", "node"})
"""Root fields that hold the one object their `id` names."""
ORDER_LISTS = frozenset({"OrderConnection"})
"""Types that change with any of the viewer's orders."""
POINTS = frozenset({"MemberPoints"})
"""A member's points: dropped by the event written with each of its entries (a unit of work
that writes an entry announces its order, `SqlUnitOfWork._announce_changed_orders`)."""
BOOKS = frozenset({"Product", "ProductConnection"})
STOCK = frozenset({"Stock"})
"""A book's stock: the answer is filed under the stock of every book its request read, which
only execution tells (`Loaders.products_read`)."""


@dataclass(frozen=True, slots=True)
class Plan:
    operation: str | None
    """The operation's own name, as its answers' keys hold it (a client may leave it out of a
    document with one operation; strawberry then reads it off the document)."""
    max_age: int
    """0: never kept (a type without a hint, a mutation, a subscription)."""
    filed_max_age: int
    """The lifetime of an answer filed under the stock of the books it shows: as `max_age`,
    with the stock's own hint left out (`FILED_STOCK_SECONDS` at most)."""
    scope: Scope
    ids: tuple[str | VariableNode, ...]
    """The `id` arguments of root fields that hold one object: literal, or a variable."""
    lists_orders: bool
    holds_books: bool
    holds_points: bool
    holds_stock: bool

    @property
    def kept(self) -> bool:
        return self.max_age > 0

    @property
    def private(self) -> bool:
        return self.scope is Scope.PRIVATE

    def tags(self, viewer: Viewer | None, variables: dict[str, Any]) -> list[str] | None:
        """The entities an answer holds; None when one of them cannot be told (then it is not
        kept)."""
        tags: list[str] = []
        if self.private:
            if viewer is None:
                return None
            tags.append(viewer_tag(viewer.member.id))
        if self.lists_orders or self.holds_points:
            if viewer is None:
                return None
            if viewer.is_staff:  # any member's: dropped by every event
                tags.append(ALL_ORDERS)
            if not viewer.is_staff and self.lists_orders:
                tags.append(orders_of(viewer.member.id))
            if not viewer.is_staff and self.holds_points:
                tags.append(points_of(viewer.member.id))
        if self.holds_books:
            tags.append(CATALOGUE)
        for argument in self.ids:
            value = (
                variables.get(argument.name.value)
                if isinstance(argument, VariableNode)
                else argument
            )
            tag = _tag_of_id(value)
            if tag is None:
                return None
            tags.append(tag)
        return tags


def _tag_of_id(value: object) -> str | None:
    text = decode_opaque(value) if isinstance(value, str) else None
    kind, _, key = (text or "").partition(":")
    if kind == "Order":
        order_id: UUID | None = canonical_uuid(key)
        return order_tag(order_id) if order_id else None
    if kind == "Product":
        return CATALOGUE
    if kind == "Member":
        return orders_of(key)
    return None


_NOT_KEPT = Plan(None, 0, 0, Scope.PRIVATE, (), False, False, False, False)


class _Holdings(Visitor):
    def __init__(self, type_info: TypeInfo, query_type: str) -> None:
        super().__init__()
        self._type_info = type_info
        self._query_type = query_type
        self.max_age: int | None = None
        self.filed_max_age = FILED_STOCK_SECONDS
        self.private = False
        self.ids: list[str | VariableNode] = []
        self.lists_orders = False
        self.holds_books = False
        self.holds_points = False
        self.holds_stock = False

    def enter_field(self, node: FieldNode, *_: object) -> None:
        field = self._type_info.get_field_def()
        parent = self._type_info.get_parent_type()
        if field is None or parent is None:
            return
        named = get_named_type(field.type)
        if parent.name == self._query_type and node.name.value in BY_ID:
            self.ids.extend(_id_argument(node))
        self.lists_orders |= named.name in ORDER_LISTS
        self.holds_books |= named.name in BOOKS
        self.holds_points |= named.name in POINTS
        self.holds_stock |= named.name in STOCK
        if not is_composite_type(named):
            return
        if named.name not in HINTS:
            self.max_age = 0
            return
        hint = HINTS[named.name]
        if hint is not None:
            self.max_age = hint.max_age if self.max_age is None else min(self.max_age, hint.max_age)
            if named.name not in STOCK:
                self.filed_max_age = min(self.filed_max_age, hint.max_age)
            self.private |= hint.scope is Scope.PRIVATE


def _id_argument(node: FieldNode) -> list[str | VariableNode]:
    for argument in node.arguments or ():
        if argument.name.value == "id":
            value = argument.value
            if isinstance(value, StringValueNode):
                return [value.value]
            if isinstance(value, VariableNode):
                return [value]
    return [""]  # no id we can read: the plan's tags say None, and the answer is not kept


def plan_operation(schema: GraphQLSchema, document: DocumentNode, name: str | None) -> Plan:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY:
        return _NOT_KEPT
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    type_info = TypeInfo(schema)
    holdings = _Holdings(type_info, schema.query_type.name if schema.query_type else "Query")
    visit(DocumentNode(definitions=(chosen[0], *fragments)), TypeInfoVisitor(type_info, holdings))
    if not holdings.max_age:
        return _NOT_KEPT
    return Plan(
        chosen[0].name.value if chosen[0].name else None,
        holdings.max_age,
        holdings.filed_max_age,
        Scope.PRIVATE if holdings.private else Scope.PUBLIC,
        tuple(holdings.ids),
        holdings.lists_orders,
        holdings.holds_books,
        holdings.holds_points,
        holdings.holds_stock,
    )


class Plans:
    """Plans by (document text, operation name), the least recently used forgotten first."""

    def __init__(self) -> None:
        self._kept: LRUCache[tuple[str, str | None], Plan] = LRUCache(maxsize=PLANS_KEPT)

    def of(
        self, schema: GraphQLSchema, query: str, document: DocumentNode, name: str | None
    ) -> Plan:
        key = (query, name)
        plan = self._kept.get(key)
        if plan is None:
            plan = self._kept[key] = plan_operation(schema, document, name)
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) == 1:
                self._kept[query, None] = plan  # a client may send it without its name
        return plan

    def known(self, query: str, name: str | None) -> Plan | None:
        """The plan of an operation this process has executed already (then its document
        parsed and validated), without parsing it; None for one it has not. `name` as the
        client sent it: None for the one operation of a document."""
        return self._kept.get((query, name))
