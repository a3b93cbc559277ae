"""What a query selects below the current field, fragments merged, by GraphQL field name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from strawberry.schema.name_converter import NameConverter
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

Selected = dict[str, list[Selection]]
"""GraphQL field name to what is selected below it."""


def fields_of(selections: Iterable[Selection]) -> Selected:
    found: Selected = {}
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.setdefault(selection.name, []).extend(selection.selections)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            for name, below in fields_of(selection.selections).items():
                found.setdefault(name, []).extend(below)
    return found


def selected_at(info: Info[Any, Any], *path: str) -> Selected:
    """What the query selects at `path` below the current field ("*": the field itself)."""
    level = fields_of(info.selected_fields)
    for name in path:
        level = fields_of(next(iter(level.values()), []) if name == "*" else level.get(name, []))
    return level


@cache
def graphql_name(converter: NameConverter, owner: type, resolver: Callable[..., Any]) -> str:
    """The GraphQL name of the field of `owner` that `resolver` resolves: a field is named by
    its definition, so renaming it (in Python or with `name=`) renames what this answers."""
    for field in owner.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.base_resolver is not None and field.base_resolver.wrapped_func is resolver:
            return converter.get_graphql_name(field)
    raise LookupError(f"{resolver.__qualname__} resolves no field of {owner.__name__}")
