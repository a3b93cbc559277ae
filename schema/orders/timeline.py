"""`Order.timeline` as the contract shows it: one list of what happened to the order, its
payment and its parcel, oldest first, each entry worded for the customer in Korean."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.status import OrderStatus
from domain.timeline import TimelineEntry, TimelineKind

strawberry.enum(TimelineKind, name="TimelineKind")


@strawberry.type(name="TimelineEntry")
class TimelineEntryType:
    kind: TimelineKind
    occurred_at: datetime
    message: str = strawberry.field(description="What happened, in Korean, fit to show.")
    place: str | None = strawberry.field(
        description="Where the carrier scanned the parcel (PARCEL_SCAN, RETURN_SCAN)."
    )
    status: OrderStatus | None = strawberry.field(
        description="The status the order entered, or was at (ORDER_STATUS, ORDER_CHANGED)."
    )
    scan: str | None = strawberry.field(
        description="The carrier's own name for the scan (PARCEL_SCAN, RETURN_SCAN): 집화처리 …"
    )

    @classmethod
    def from_domain(cls, entry: TimelineEntry) -> TimelineEntryType:
        return cls(
            kind=entry.kind,
            occurred_at=entry.occurred_at,
            message=entry.message,
            place=entry.place,
            status=entry.status,
            scan=entry.scan,
        )
