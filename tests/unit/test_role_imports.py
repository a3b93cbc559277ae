"""A process that does not serve the API loads none of it: a worker, relay or carrier process
and the `dlq` operations build their services from `bootstrap.py` alone, never `api_app.py`.
A process start is paid by every role the tests and a deployment start; loading the API was a
quarter of a worker's and a third of a relay's (docs/DECISIONS.md, "The API's part of the
composition root is a module of its own").

Each test builds what such a process builds, in a fresh interpreter, and reads the modules it
loaded: a count of names, the same on any machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

THE_API = (
    "api_app",
    "strawberry",
    "graphql",
    "schema",
    "starlette",
    "uvicorn",
    "infrastructure.http",
    "infrastructure.graphql_execution",
)
"""Packages only a process that serves the API may load; of `resolvers`, a process that does
not may load the ports its adapters implement (`resolvers.ports`) and nothing else."""

ONLY_SOME = ("alembic", "httpx", "rich", "pygments")
"""The migrations, and the carrier's webhook client with what httpx loads beside it."""

WHAT_A_ROLE_BUILDS = """
import sys

import main
import infrastructure.startup_checks
from bootstrap import Background, build_services
from domain.messages import Consumer
from infrastructure.settings import load_settings

services = build_services(load_settings())
Background(services)
for consumer in Consumer:
    services.steps(consumer)
if "carrier" in sys.argv:
    services.carrier_clock()
print("\\n".join(sys.modules))
"""


def _modules_loaded(tmp_path: Path, code: str, *args: str) -> set[str]:
    """The modules a fresh interpreter running `code` (with `args`) loads, on the embedded
    default."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "ORDERS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,  # no .env file of a developer's is read
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(done.stdout.split())


def _under(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(
        module
        for module in modules
        if any(module == package or module.startswith(f"{package}.") for package in packages)
    )


def _of_the_api(modules: set[str]) -> list[str]:
    resolvers = [
        m for m in _under(modules, ("resolvers",)) if m not in ("resolvers", "resolvers.ports")
    ]
    return _under(modules, THE_API) + resolvers


def test_a_worker_relay_or_operation_loads_nothing_of_the_api(tmp_path: Path) -> None:
    loaded = _modules_loaded(tmp_path, WHAT_A_ROLE_BUILDS)

    assert {"bootstrap", "sqlalchemy", "aio_pika", "typer"} <= loaded  # the probe ran
    assert _of_the_api(loaded) == []
    assert _under(loaded, ONLY_SOME) == []


def test_the_carrier_loads_its_webhook_client_and_nothing_of_the_api(tmp_path: Path) -> None:
    loaded = _modules_loaded(tmp_path, WHAT_A_ROLE_BUILDS, "carrier")

    assert "infrastructure.carrier.webhook_client" in loaded
    assert _of_the_api(loaded) == []
    assert _under(loaded, ("alembic",)) == []


def test_importing_the_api_loads_what_the_tests_above_look_for(tmp_path: Path) -> None:
    loaded = _modules_loaded(tmp_path, "import sys, api_app; print('\\n'.join(sys.modules))")

    assert {"strawberry", "graphql", "starlette", "uvicorn", "schema.root"} <= loaded
    assert "resolvers.common.context" in loaded
