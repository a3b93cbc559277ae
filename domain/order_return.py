"""A return (반품) as the order keeps it: why, which copies, and how far it has come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.status import DeliveryStatus


class ReturnReason(StrEnum):
    CHANGE_OF_MIND = "CHANGE_OF_MIND"
    """단순변심: the customer pays the return parcel, and the outbound fee the return undoes."""
    DAMAGED = "DAMAGED"
    """파손 또는 오배송: damaged, or not the book ordered; the shop pays every fee."""


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    COLLECTING = "COLLECTING"
    """A return parcel is registered with the carrier, to be picked up."""
    PICKED_UP = "PICKED_UP"
    RECEIVED = "RECEIVED"
    """Back at the warehouse: the copies are given back and refunded."""


@dataclass(frozen=True, slots=True)
class OrderReturn:
    order_id: UUID
    number: int
    """The order's returns are numbered, 1 first."""
    reason: ReturnReason
    lines: tuple[tuple[int, int], ...]
    """(product id, copies)."""
    status: ReturnStatus
    tracking_number: str | None = None
    fee_kept: int = 0
    """What it kept for its own parcel once received (a change of mind): the order's shipping
    fee holds it, and a later return must not give it back as the outbound fee."""

    @property
    def open(self) -> bool:
        return self.status is not ReturnStatus.RECEIVED


@dataclass(frozen=True, slots=True)
class ReturnScan:
    """A scan of a return's parcel, as the carrier reported it: its name, place and what it
    means as a delivery status (DELIVERED: back at the bookstore)."""

    order_id: UUID
    number: int
    status: DeliveryStatus
    scan: str | None
    location: str | None
    occurred_at: datetime
