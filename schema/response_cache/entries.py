"""What a kept answer is filed under and what it holds, for both of the cache's paths: the
endpoint's early one (`hits.py`) and the extension's (`extension.py`)."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from domain.member import Viewer
from schema.response_cache.plan import Plan


def cache_key(
    query: str, name: str | None, variables: dict[str, Any], viewer: str | None
) -> str | None:
    """The document, its operation, its variables and, for a private answer, who asks; None
    when the variables cannot be written as JSON (nested deeper than orjson writes, 255 levels,
    though it reads 1,024): no input type nests that deep, so they are refused as they run, and
    an answer that is refused is not kept."""
    try:
        written = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None
    digest = hashlib.sha256()
    for part in (query, name or "", written, viewer):
        digest.update(part if isinstance(part, bytes) else (part or "").encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def viewer_key(viewer: Viewer | None) -> str | None:
    """Who asks, as a private answer's key holds it: the verified token's member and role."""
    return None if viewer is None else f"{viewer.member.id}\x00{viewer.role.value}"


def key_of(plan: Plan, query: str, variables: dict[str, Any], viewer: Viewer | None) -> str | None:
    """The key of an operation's answer by its plan (its operation by its own name, sent or
    not): the viewer's own when it is private; None when it has none (`cache_key`)."""
    private = viewer_key(viewer) if plan.private else None
    return cache_key(query, plan.operation, variables, private)


def cache_control(plan: Plan) -> str:
    return f"{plan.scope.value}, max-age={plan.max_age}"


def entry(cost: int, data: bytes) -> bytes:
    """An answer as kept: its actual cost (what a hit is charged), then its data as JSON."""
    return b"%d\n%b" % (cost, data)


def entry_parts(body: bytes) -> tuple[int, bytes]:
    """The cost and the data (JSON) of a kept answer."""
    cost, _, data = body.partition(b"\n")
    return int(cost), data
