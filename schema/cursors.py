"""Opaque pagination cursors. Clients pass them back as they got them; no meaning is promised."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from uuid import UUID

from domain.paging import OrderPosition
from schema.errors import invalid_input


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, prefix: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid_input("after: not a cursor this list gave out") from exc
    if not text.startswith(prefix):
        raise invalid_input("after: not a cursor this list gave out")
    return text.removeprefix(prefix)


def order_cursor(created_at: datetime, order_id: UUID) -> str:
    return _encode(f"o:{created_at.isoformat()}|{order_id}")


def order_position(cursor: str) -> OrderPosition:
    body = _decode(cursor, "o:")
    try:
        created, order_id = body.split("|", 1)
        position = datetime.fromisoformat(created), UUID(order_id)
    except ValueError as exc:
        raise invalid_input("after: not a cursor this list gave out") from exc
    if position[0].tzinfo is None:
        raise invalid_input("after: not a cursor this list gave out")
    return position


def product_cursor(product_id: int) -> str:
    return _encode(f"p:{product_id}")


def product_position(cursor: str) -> int:
    body = _decode(cursor, "p:")
    if not body.isdigit():
        raise invalid_input("after: not a cursor this list gave out")
    return int(body)
