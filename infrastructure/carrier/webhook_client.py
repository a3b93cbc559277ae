"""How the simulated carrier reports: it calls our webhook over HTTP, signed, like a real one."""

from __future__ import annotations

import httpx
import orjson

from domain.steps.tracking import ParcelReport, carrier_signature
from infrastructure.carrier.simulated import ReportRefused

TIMEOUT_SECONDS = 5.0


class WebhookReporter:
    """Posts a report; raises unless the webhook accepted it: `ReportRefused` when it answered
    with a refusal, httpx's own error when it did not answer."""

    def __init__(
        self, url: str, secret: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._url = url
        self._secret = secret
        self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=transport)

    async def __call__(self, report: ParcelReport) -> None:
        body = orjson.dumps(report.to_payload())
        response = await self._client.post(
            self._url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Carrier-Signature": carrier_signature(self._secret, body),
            },
        )
        if response.status_code >= 400:
            raise ReportRefused(response.status_code, response.text[:200])

    async def close(self) -> None:
        await self._client.aclose()
