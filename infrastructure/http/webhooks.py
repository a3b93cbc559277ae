"""POST /webhooks/carrier: the carrier's tracking events, signed with HMAC-SHA256 over the raw
body (header `X-Carrier-Signature: sha256=<hex>`), accepted into the outbox."""

from __future__ import annotations

import hmac

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.ports import UnitOfWorkFactory
from domain.problems import Refused
from domain.steps.tracking import Acceptance, ParcelReport, accept_parcel_report, carrier_signature

SIGNATURE_HEADER = "X-Carrier-Signature"


class CarrierWebhook:
    def __init__(self, secret: str, uow: UnitOfWorkFactory) -> None:
        self._secret = secret
        self._uow = uow

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        # compared as bytes: a header may hold any byte (Starlette decodes it as Latin-1), and
        # compare_digest refuses str with non-ASCII characters
        signature = request.headers.get(SIGNATURE_HEADER, "").encode("latin-1")
        expected = carrier_signature(self._secret, body).encode()
        if not hmac.compare_digest(signature, expected):
            return JSONResponse({"error": f"missing or wrong {SIGNATURE_HEADER}"}, 401)
        try:
            data = orjson.loads(body)
            if not isinstance(data, dict):
                raise ValueError("the body must be a JSON object")
            report = ParcelReport.from_payload(data)
        except ValueError as exc:  # orjson.JSONDecodeError is one too
            return JSONResponse({"error": f"not a tracking event: {exc}"}, 400)
        try:
            acceptance = await accept_parcel_report(report, self._uow)
        except Refused as refused:
            return JSONResponse({"error": str(refused)}, 404)
        return JSONResponse(
            {"accepted": True, "duplicate": acceptance is Acceptance.DUPLICATE}, 200
        )
