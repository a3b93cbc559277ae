"""How big a document is, measured in one cheap walk before graphql-core validates it.

Validation is not linear in the size of a document: its rule that fields of one name can be
merged compares every pair of fields that answer under the same key at the same place, and the
sub-selections of each pair. 290 copies of one field in 10 KB made 42,000 such pairs and took
1.4-2 s of a core. The walk counts what that rule works on, with fragments expanded as
execution would expand them:

- every selection (field, fragment spread, inline fragment) of every operation and fragment
  definition, which bounds the walk itself, fragment bombs included;
- how many fields land on one response key at one place (`me` twice, or `me { id }` and a
  fragment's `me { id }`, make `me` and `me.id` count 2): the pairs the rule compares there
  grow with the square of that count.

It stops as soon as a bound is crossed, so a document costs at most that many steps to refuse.
Unknown fragments and fragment cycles are left to validation, which names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


@dataclass(frozen=True, slots=True)
class DocumentBounds:
    max_selections: int = 1000
    max_field_repeats: int = 20


@dataclass(frozen=True, slots=True)
class DocumentSize:
    selections: int
    """Selections counted, fragments expanded (up to the first one over the bound)."""
    exceeded: str | None = None
    """Which bound the document crossed, with its value; None when it fits."""


@dataclass(slots=True)
class _Key:
    """One response key at one place, merged across the document as execution merges it."""

    fields: int = 0
    below: dict[str, _Key] = field(default_factory=dict)


def measure(document: DocumentNode, bounds: DocumentBounds) -> DocumentSize:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    selections = 0
    for definition in document.definitions:
        if not isinstance(definition, ExecutableDefinitionNode):
            continue
        pending: list[tuple[SelectionSetNode, _Key, frozenset[str]]] = [
            (definition.selection_set, _Key(), frozenset())
        ]
        while pending:
            selection_set, key, expanding = pending.pop()
            for selection in selection_set.selections:
                selections += 1
                if selections > bounds.max_selections:
                    return DocumentSize(
                        selections,
                        f"the document has more than {bounds.max_selections} selections "
                        f"(fields and fragments, fragments expanded; the limit is "
                        f"{bounds.max_selections})",
                    )
                if isinstance(selection, FieldNode):
                    name = (selection.alias or selection.name).value
                    below = key.below.setdefault(name, _Key())
                    below.fields += 1
                    if below.fields > bounds.max_field_repeats:
                        return DocumentSize(
                            selections,
                            f"the field '{name}' is asked for more than "
                            f"{bounds.max_field_repeats} times at one place (the limit is "
                            f"{bounds.max_field_repeats})",
                        )
                    if selection.selection_set is not None:
                        pending.append((selection.selection_set, below, expanding))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = fragments.get(name)
                    if fragment is not None and name not in expanding:
                        pending.append((fragment.selection_set, key, expanding | {name}))
                elif isinstance(selection, InlineFragmentNode):
                    pending.append((selection.selection_set, key, expanding))
    return DocumentSize(selections)
