from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.text import text_problem

MAX_MEMBER_TEXT = 255
"""The longest member id (the token's `sub`), name or e-mail address a member may have: what
the member table's columns hold, with room to spare for the e-mail address."""


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: the member behind a verified token, the role it carries, and until when
    it vouches for them."""

    member: Member
    role: Role
    valid_until: datetime | None = None
    """The token's expiry (`exp`); None when it names none. A WebSocket acknowledged with the
    token is closed then."""

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF


class InvalidToken(Exception):
    """A bearer token that cannot be trusted; the message says why, never echoing the token."""


def member_id_problem(name: str, member_id: str) -> str | None:
    """Why `member_id`, given as the field `name`, can be no member's id; None when it can.

    The same rule for a token's `sub`, a Member's global id and a staff `memberId` filter, so
    that an id refused in one place is never looked up, stored or compared in another."""
    return text_problem(name, member_id, limit=MAX_MEMBER_TEXT)
