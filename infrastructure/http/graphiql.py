"""GraphiQL, served by the app: our page (graphiql/) and the pinned GraphiQL and React builds
it loads (graphiql/vendor/, see refresh.py there), so it needs no CDN. Development only."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

GRAPHIQL_ROOT = Path(__file__).parents[2] / "graphiql"


def graphiql_page() -> str:
    return (GRAPHIQL_ROOT / "index.html").read_text(encoding="utf-8")


def graphiql_routes() -> list[BaseRoute]:
    """Its script and the vendored builds, under /graphiql/ (the page itself is GET /graphql)."""
    return [Mount("/graphiql", StaticFiles(directory=GRAPHIQL_ROOT), name="graphiql")]
