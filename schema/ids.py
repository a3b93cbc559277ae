"""Global object ids (`Node.id`): opaque, and carrying the type they belong to."""

from __future__ import annotations

import base64
import binascii
from uuid import UUID

from schema.errors import invalid_input


def to_global_id(type_name: str, key: object) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, str]:
    """The (type name, key) inside an id; a malformed id is an INVALID_INPUT error."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, key = base64.urlsafe_b64decode(padded).decode().split(":", 1)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid_input(f"{global_id!r} is not an id of this API") from exc
    if not type_name or not key:
        raise invalid_input(f"{global_id!r} is not an id of this API")
    return type_name, key


def expect_global_id(global_id: str, type_name: str) -> str:
    kind, key = from_global_id(global_id)
    if kind != type_name:
        raise invalid_input(f"{global_id!r} is not a {type_name} id")
    return key


def product_key(global_id: str) -> int:
    key = expect_global_id(global_id, "Product")
    if not key.isdigit():
        raise invalid_input(f"{global_id!r} is not a Product id")
    return int(key)


def order_key(global_id: str) -> UUID:
    try:
        return UUID(expect_global_id(global_id, "Order"))
    except ValueError as exc:
        raise invalid_input(f"{global_id!r} is not an Order id") from exc
