"""Global object ids (`Node.id`): opaque, and carrying the type they belong to.

Every id and key is parsed strictly, here: an id is accepted only in the one form this API gives
out (base64url without padding of `Type:key`), and its key only in its one canonical form, so one
object has one id, and no key reaches a statement that its column cannot hold.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from uuid import UUID

from domain.member import member_id_problem
from resolvers.common.errors import invalid_input

MAX_BIGINT = 2**63 - 1
"""The largest key of a BIGINT column (PostgreSQL's int8, SQLite's INTEGER)."""
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
"""ASCII digits only, no sign, no leading zero: `Product:012` or `Product:١٢` is not product 12."""


def whole_number(text: str) -> int | None:
    """`text` as a key of a BIGINT column when it is one in its canonical form, else None."""
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_BIGINT else None


def canonical_uuid(text: str) -> UUID | None:
    """`text` as a UUID when it is written as `str(UUID)` writes it (lower case, hyphens, no
    braces or prefix), else None."""
    try:
        value = UUID(text)
    except ValueError:
        return None
    return value if str(value) == text else None


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def encode_opaque(text: str) -> str:
    """Base64url without padding: the form of every id and cursor this API gives out.

    `base64.urlsafe_b64encode` does the same through two calls of its own; a page of orders
    writes about 300 ids and cursors."""
    encoded = binascii.b2a_base64(text.encode(), newline=False).translate(_URL_SAFE)
    return encoded.decode().rstrip("=")


@functools.lru_cache(maxsize=8192, typed=True)
def to_global_id(type_name: str, key: object) -> str:
    """The id of the object of this type and key. Kept for the ids written lately: a page of
    orders writes the same books' ids on every read, and a book's id is the same each time."""
    return encode_opaque(f"{type_name}:{key}")


def decode_opaque(value: str) -> str | None:
    """The text inside an id or cursor of this API, or None when `value` is not exactly what
    `encode_opaque` would have written (padding, characters outside base64url, stray bits)."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text if encode_opaque(text) == value else None


def from_global_id(global_id: str) -> tuple[str, str]:
    """The (type name, key) inside an id; a malformed id is an INVALID_INPUT error."""
    text = decode_opaque(global_id)
    type_name, _, key = (text or "").partition(":")
    if not type_name or not key:
        raise invalid_input(f"{global_id!r} is not an id of this API")
    return type_name, key


def expect_global_id(global_id: str, type_name: str) -> str:
    kind, key = from_global_id(global_id)
    if kind != type_name:
        article = "an" if type_name[0] in "AEIOU" else "a"
        raise invalid_input(f"{global_id!r} is not {article} {type_name} id")
    return key


def product_key(global_id: str) -> int:
    key = whole_number(expect_global_id(global_id, "Product"))
    if key is None:
        raise invalid_input(f"{global_id!r} is not a Product id")
    return key


def order_key(global_id: str) -> UUID:
    key = canonical_uuid(expect_global_id(global_id, "Order"))
    if key is None:
        raise invalid_input(f"{global_id!r} is not an Order id")
    return key


def member_key(global_id: str) -> str:
    key = expect_global_id(global_id, "Member")
    if member_id_problem("a member id", key):
        raise invalid_input(f"{global_id!r} is not a Member id")
    return key
