"""An operation as a client sends it, over HTTP or in a WebSocket message: its members' types."""

from __future__ import annotations

from collections.abc import Mapping

OPERATION_MEMBERS = {
    "query": (str, "a string"),
    "variables": (dict, "an object"),
    "operationName": (str, "a string"),
    "extensions": (dict, "an object"),
}


def member_problem(operation: Mapping[str, object]) -> str | None:
    """Why an operation's members cannot be read, or None: each is of its type, or null."""
    for name, (kind, kind_name) in OPERATION_MEMBERS.items():
        if operation.get(name) is not None and not isinstance(operation[name], kind):
            return f"an operation's {name} must be {kind_name} or null"
    return None
