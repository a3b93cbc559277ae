"""Idempotency keys: what makes two requests with one key the same request, and the answer to
a repeated one (the first answer: the order, as it stands now).

`placeOrder` keeps its key on the order it makes; `cancelOrderLines` and `requestReturn` keep
theirs beside it (`OrderRepository.keep_request_key`), written in the unit of work that makes
the change, so a key is kept exactly when its change is. The order's lock makes a request sent
twice at once wait for the first, then find its key.
"""

from __future__ import annotations

import hashlib
import json
from uuid import UUID

from domain.commands import OrderLine
from domain.ports import UnitOfWork
from domain.problems import ProblemCode, Refused, refuse
from domain.validation import merge_lines


def fingerprint(request: dict[str, object]) -> str:
    """The request's fields, canonical (keys sorted), hashed."""
    canonical = json.dumps(request, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def lines_fingerprint(
    mutation: str, order_id: UUID, lines: tuple[OrderLine, ...], reason: str | None
) -> str:
    """A change of some copies of an order: the same mutation, order, copies and reason."""
    return fingerprint(
        {
            "mutation": mutation,
            "order": str(order_id),
            "lines": sorted((line.product_id, line.quantity) for line in merge_lines(lines)),
            "reason": reason,
        }
    )


def key_conflict(what: str) -> Refused:
    return refuse(
        ProblemCode.CONFLICT,
        f"this idempotency key was used for a different {what}; use a new key",
        ("idempotencyKey",),
    )


def same_request_or_conflict(first: str | None, again: str, what: str) -> None:
    """CONFLICT when a key comes back with another request than the one it was first sent
    with."""
    if first != again:
        raise key_conflict(what)


async def answered_before(work: UnitOfWork, member_id: str, key: str | None, request: str) -> bool:
    """True when this member sent this request with this key before (answer it as it stands);
    CONFLICT when the key went with another request."""
    if key is None:
        return False
    first = await work.orders.request_with_key(member_id, key)
    if first is None:
        return False
    same_request_or_conflict(first, request, "request")
    return True


async def keep_key(work: UnitOfWork, member_id: str, key: str | None, request: str) -> None:
    """Keep the key with the change; CONFLICT when a request of another order took it
    meanwhile (that order's lock did not hold this one back)."""
    if key is not None and not await work.orders.keep_request_key(member_id, key, request):
        raise key_conflict("request")
