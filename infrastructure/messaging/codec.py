"""Messages on the wire: a JSON body, our ids and the attempt count in headers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson

from domain.messages import Event, Message

ATTEMPT_HEADER = "x-orders-attempt"
ORDER_HEADER = "x-orders-order-id"
ERROR_HEADER = "x-orders-error"
PARKED_AT_HEADER = "x-orders-parked-at"
CONSUMER_HEADER = "x-orders-consumer"
CORRELATION_HEADER = "x-orders-request-id"
CONTENT_TYPE = "application/json"


def encode_body(message: Message) -> bytes:
    return orjson.dumps(
        {"name": message.name.value, "orderId": str(message.order_id), "payload": message.payload}
    )


def headers_of(message: Message) -> dict[str, Any]:
    headers: dict[str, Any] = {ATTEMPT_HEADER: message.attempt, ORDER_HEADER: str(message.order_id)}
    if message.correlation_id:
        headers[CORRELATION_HEADER] = message.correlation_id
    return headers


def attempt_of(headers: dict[str, Any]) -> int:
    """The attempt count a message carries; 0 when it carries none we can read."""
    value = headers.get(ATTEMPT_HEADER, 0)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def decode(body: bytes, message_id: str | None, headers: dict[str, Any]) -> Message:
    """The message, or `ValueError` when the body or its ids are not ours."""
    try:
        data = orjson.loads(body)
        return Message(
            name=Event(data["name"]),
            order_id=UUID(data["orderId"]),
            payload=dict(data.get("payload") or {}),
            id=UUID(message_id or ""),
            attempt=attempt_of(headers),
            correlation_id=str(headers[CORRELATION_HEADER])
            if headers.get(CORRELATION_HEADER)
            else None,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a message of this service: {exc}") from exc
