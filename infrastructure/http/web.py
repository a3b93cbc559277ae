"""The customer web page (static files under web/, no build step) and, in development only,
`POST /dev/token` with which the page signs in a demo member."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from domain.text import character_problem

WEB_ROOT = Path(__file__).parents[2] / "web"
MAX_FIELD = 100

MintToken = Callable[[str, str | None], str]


class DevTokens:
    def __init__(self, mint: MintToken) -> None:
        self._mint = mint

    async def issue(self, request: Request) -> Response:
        try:
            data = orjson.loads(await request.body())
            member = str(data["member"]).strip()
            name = str(data.get("name") or "").strip() or None
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return JSONResponse({"error": 'send {"member": "<id>", "name": "<name>"}'}, 400)
        if not member or len(member) > MAX_FIELD or len(name or "") > MAX_FIELD:
            return JSONResponse({"error": f"member and name are 1 to {MAX_FIELD} characters"}, 400)
        if problem := character_problem("member", member) or character_problem("name", name or ""):
            return JSONResponse({"error": problem}, 400)  # a token we would refuse to trust
        return JSONResponse({"token": self._mint(member, name)})


def web_routes(*, dev_tokens: MintToken | None) -> list[BaseRoute]:
    """The page at `/` (last: it answers every path nothing else does) and the dev sign-in."""
    routes: list[BaseRoute] = []
    if dev_tokens is not None:
        routes.append(Route("/dev/token", DevTokens(dev_tokens).issue, methods=["POST"]))
    if WEB_ROOT.is_dir():
        routes.append(Mount("/", StaticFiles(directory=WEB_ROOT, html=True), name="web"))
    return routes
