"""Reporting tracking events to the service as the carrier does: signed, over its webhook."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from httpx import AsyncClient, Response

from bootstrap import Services
from domain.steps.tracking import carrier_signature


def carrier_event(tracking: str, status: str, minutes: int = 0, **changes: Any) -> dict[str, Any]:
    """A tracking event of the parcel, `minutes` after a fixed morning, with its own id."""
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    event = {
        "trackingNumber": tracking,
        "status": status,
        "location": "Gonjiam hub",
        "occurredAt": moment.isoformat(),
        "eventId": f"evt-{uuid.uuid4()}",
    }
    event.update(changes)
    return event


async def post_carrier_event(
    client: AsyncClient, services: Services, event: object, *, secret: str | None = None
) -> Response:
    body = orjson.dumps(event)
    signature = carrier_signature(secret or services.settings.effective_webhook_secret, body)
    return await client.post(
        "/webhooks/carrier",
        content=body,
        headers={"Content-Type": "application/json", "X-Carrier-Signature": signature},
    )
