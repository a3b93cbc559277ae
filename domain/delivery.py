from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.status import DeliveryStatus


@dataclass(frozen=True, slots=True)
class Delivery:
    id: UUID
    order_id: UUID
    status: DeliveryStatus
    carrier: str
    tracking_number: str | None


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    delivery_id: UUID
    status: DeliveryStatus
    location: str | None
    occurred_at: datetime
    scan: str | None = None
    """The carrier's own name for the scan, as its tracking page shows it (CJ대한통운's
    `간선하차`); None for the events we record ourselves (registered, cancelled)."""
