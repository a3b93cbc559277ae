"""Query cost: how many objects a query may return at most, known before it runs.

Counted as GitHub and Shopify do: every object field counts 1 and what is below it; a page
(`first: N`) multiplies what is below it by N; a list without `first` by its known bound (an
order has at most 50 lines). Scalars are free, and so is introspection (no database behind it).
A mutation field costs `MUTATION_COST` more, for the writes it makes. The actual cost is the
number of objects the response really holds. Either is at least `MINIMUM_COST`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InitialIncrementalExecutionResult,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from strawberry.types import ExecutionResult

from domain.validation import MAX_LINES

MUTATION_COST = 10
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
MINIMUM_COST = 1
"""What an operation costs at least, requested and actual, as on GitHub: one that asks for no
object (`{ __typename }`) or finds none (a book that is not there) still takes a point from its
client's bucket, so that a flood of them is throttled like any other (at 0 it never was)."""
DEFAULT_PAGE = 20
DEFAULT_LIST_BOUND = 10
LIST_BOUNDS = {
    ("Order", "items"): MAX_LINES,
    ("Order", "history"): 8,
    ("Delivery", "events"): 5,
}
"""Lists without paging, and the most entries each can hold."""

_Parent = GraphQLObjectType | GraphQLInterfaceType


def _unwrap_list(field: GraphQLField) -> bool:
    kind = field.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


class _Counter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: Mapping[str, ValueNode],
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._variables = variables
        self._defaults = defaults
        """The operation's variables' default values, which apply to those not sent."""
        self.read: list[str] = []
        """The variables read, in the order they were: a cost depends on these alone."""

    def _first(self, node: FieldNode, field: GraphQLField) -> int | None:
        if "first" not in field.args:
            return None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                name = value.name.value
                self.read.append(name)
                if name not in self._variables:
                    value = self._defaults.get(name, value)
                elif isinstance(given := self._variables[name], int):
                    return max(0, given)
            if isinstance(value, IntValueNode):
                return max(0, int(value.value))
        default = field.args["first"].default_value
        return default if isinstance(default, int) else DEFAULT_PAGE

    def selection(self, parent: _Parent, selection_set: SelectionSetNode, page: int) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    named = self._schema.get_type(selection.type_condition.name.value)
                    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                        target = named
                total += self.selection(target, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None:
                    named = self._schema.get_type(fragment.type_condition.name.value)
                    target = (
                        named
                        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
                        else parent
                    )
                    total += self.selection(target, fragment.selection_set, page)
        return total

    def field(self, parent: _Parent, node: FieldNode, page: int) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 0
        field = parent.fields.get(name)
        if field is None or node.selection_set is None:
            return 0
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        first = self._first(node, field)
        below_page = first if first is not None else page
        children = self.selection(named, node.selection_set, below_page)
        if not _unwrap_list(field):
            return 1 + children
        if name == "edges":
            bound = page
        else:
            bound = LIST_BOUNDS.get((parent.name, name), DEFAULT_LIST_BOUND)
        return bound * (1 + children)


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    return _counted(schema, document, operation_name, variables or {})[0]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation that runs: the one named, or the first (a validated document without a
    name has one)."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None
            or (definition.name is not None and definition.name.value == operation_name)
        ):
            return definition
    return None


def introspection_keys(document: DocumentNode, operation_name: str | None) -> frozenset[str]:
    """The response keys (aliases, or names) of the operation's root fields that introspect
    (`__schema`, `__type`): what is below them is free, actual as requested."""
    operation = _operation(document, operation_name)
    if operation is None:
        return frozenset()
    fragments = _fragments(document)
    keys: set[str] = set()
    pending = [operation.selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    keys.add((selection.alias or selection.name).value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    pending.append(fragment.selection_set)
    return frozenset(keys)


def _counted(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> tuple[int, tuple[str, ...]]:
    """The requested cost, and the names of the variables it read."""
    fragments = _fragments(document)
    operation = _operation(document, operation_name)
    if operation is None:
        return 0, ()
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, ()
    defaults = {
        d.variable.name.value: d.default_value
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    counter = _Counter(schema, fragments, variables, defaults)
    cost = counter.selection(root, operation.selection_set, DEFAULT_PAGE)
    if operation.operation is OperationType.MUTATION:
        cost += MUTATION_COST * sum(
            1 for s in operation.selection_set.selections if isinstance(s, FieldNode)
        )
    return max(MINIMUM_COST, cost), tuple(dict.fromkeys(counter.read))


KEPT_COSTS = 512
"""Operations whose requested costs are kept, as many as the plans kept (`Plans`)."""


_LEFT_OUT = "left out"
_PageValue = int | str | None


def _page_value(variables: Mapping[str, Any], name: str) -> _PageValue:
    """A variable as the count reads it: an Int, left out (its default applies), or nothing."""
    if name not in variables:
        return _LEFT_OUT
    value = variables[name]
    return value if isinstance(value, int) else None


class RequestedCosts:
    """`requested_cost` of one schema's operations, kept by the document's text, the operation's
    name and the values of the variables the count read (a page's `first`), so that an
    operation sent again with other ids is not walked again. The text parses to the same
    document every time, and the count reads nothing else of the request."""

    def __init__(self, size: int = KEPT_COSTS) -> None:
        self._read: LRUCache[tuple[str, str | None], tuple[str, ...]] = LRUCache(size)
        self._costs: LRUCache[tuple[str, str | None, tuple[_PageValue, ...]], int] = LRUCache(size)

    def __call__(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        given = variables or {}
        operation = (query, operation_name)
        read = self._read.get(operation)
        if read is not None:
            cost = self._costs.get((*operation, tuple(_page_value(given, n) for n in read)))
            if cost is not None:
                return cost
        cost, read = _counted(schema, document, operation_name, given)
        self._read[operation] = read
        self._costs[(*operation, tuple(_page_value(given, n) for n in read))] = cost
        return cost


class CostedResult(GraphQLExecutionResult):
    """A result whose actual cost is known already (an answer from the response cache, which
    counted it once when it was kept), so that it is not counted on every request."""

    def __init__(self, data: dict[str, Any], cost: int) -> None:
        super().__init__(data=data)
        self.cost = cost


def actual_cost_of(
    result: GraphQLExecutionResult | InitialIncrementalExecutionResult | ExecutionResult | None,
    free: frozenset[str] = frozenset(),
) -> int:
    """The result's actual cost: kept (`CostedResult`), or its objects (`MINIMUM_COST` at
    least) as counted by the executor when it built the data (the compiled executor's
    `CountedResult` has `objects_in_data`), or else counted here; the objects below the
    root's `free` keys (introspection's, `introspection_keys`) left out."""
    if isinstance(result, CostedResult):
        return result.cost
    data = result.data if result is not None else None
    counted = getattr(result, "objects_in_data", None)
    if free and type(data) is dict:
        counted = _objects_in(value for key, value in data.items() if key not in free)
    elif type(counted) is not int:
        counted = actual_cost(data)
    return max(MINIMUM_COST, counted)


def actual_cost(data: object) -> int:
    """Objects in a response's data (the root object not counted).

    A response is plain dicts and lists (graphql-core and the compiled executor build nothing
    else); the walk descends into those only and never touches a leaf beyond its type, which
    makes it a third of the time of a stack over every value on a 50-order page."""
    if type(data) is dict:
        return _objects_in(data.values())
    return _objects_in(data) if type(data) is list else 0


def _objects_in(values: Iterable[Any]) -> int:
    """The objects among these values, and those below them."""
    count = 0
    for item in values:
        kind = type(item)
        if kind is dict:
            count += 1 + _objects_in(item.values())
        elif kind is list:
            count += _objects_in(item)
    return count
