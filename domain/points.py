"""Points (적립금), a ledger of the member domain: every change of a member's points is an entry
with its order and reason, written once; the balance is the sum of the entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class PointsReason(StrEnum):
    SPENT = "SPENT"
    """Paid part of an order (negative)."""
    EARNED = "EARNED"
    """The order was delivered."""
    RETURNED = "RETURNED"
    """The order that spent them was cancelled, or part of it (one entry per cancellation)."""
    TAKEN_BACK = "TAKEN_BACK"
    """Earned on books that were returned (반품), taken back (negative; one entry per return)."""


@dataclass(frozen=True, slots=True)
class PointsEntry:
    member_id: str
    order_id: UUID
    reason: PointsReason
    amount: int
    """Positive when points come in, negative when they are spent."""
    part: int = 0
    """0 for an order's whole-order entries; a numbered part's number (a partial cancellation,
    a return) for what that part gave back or took back."""
    at: datetime | None = None
    """When it was written (None before it is)."""
    id: int | None = None
    """Its place in the ledger, in the order entries were written (None before it is)."""
