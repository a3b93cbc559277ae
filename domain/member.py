from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    """Who is asking: the member behind a verified token, and the role it carries."""

    member: Member
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF


class InvalidToken(Exception):
    """A bearer token that cannot be trusted; the message says why, never echoing the token."""
