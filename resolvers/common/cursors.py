"""Opaque pagination cursors. Clients pass them back as they got them; no meaning is promised,
and one that is not what a list gave out is an INVALID_INPUT error, never a statement."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.moments import storable_moment
from domain.paging import OrderPosition
from resolvers.common.errors import ApiError, invalid_input
from resolvers.common.ids import canonical_uuid, decode_opaque, encode_opaque, whole_number


def _not_a_cursor() -> ApiError:
    return invalid_input("after: not a cursor this list gave out")


def _decode(cursor: str, prefix: str) -> str:
    text = decode_opaque(cursor)
    if text is None or not text.startswith(prefix):
        raise _not_a_cursor()
    return text.removeprefix(prefix)


def order_cursor(created_at: datetime, order_id: UUID) -> str:
    return encode_opaque(f"o:{created_at.isoformat()}|{order_id}")


def order_position(cursor: str) -> OrderPosition:
    created, _, order_id = _decode(cursor, "o:").partition("|")
    key = canonical_uuid(order_id)
    try:
        moment = storable_moment(datetime.fromisoformat(created))
    except ValueError as exc:
        raise _not_a_cursor() from exc
    if key is None:
        raise _not_a_cursor()
    return moment, key


def points_entry_cursor(entry_id: int) -> str:
    return encode_opaque(f"e:{entry_id}")


def points_entry_position(cursor: str) -> int:
    return _numbered_position(cursor, "e:")


def product_cursor(product_id: int) -> str:
    return encode_opaque(f"p:{product_id}")


def product_position(cursor: str) -> int:
    return _numbered_position(cursor, "p:")


def _numbered_position(cursor: str, kind: str) -> int:
    """The whole number a cursor of this kind (`e:`, `p:`) carries."""
    key = whole_number(_decode(cursor, kind))
    if key is None:
        raise _not_a_cursor()
    return key
