"""A process that does not serve the API loads none of it: a worker, relay or carrier process
and the `dlq` operations build their services from `bootstrap.py` alone, never `api_app.py`.
A process start is paid by every role the tests and a deployment start; loading the API was a
quarter of a worker's and a third of a relay's (docs/DECISIONS.md, "The API's part of the
composition root is a module of its own").

A fresh interpreter builds what such a process builds and names the modules it loaded: names,
the same on any machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
"""Packages only a process that serves the API may load (Starlette and uvicorn also serve a
background role's health port, which these processes do not open); of `resolvers`, a process
that does not serve it may load the ports its adapters implement (`resolvers.ports`) and
nothing else."""

ONLY_SOME = ("alembic", "httpx", "rich", "pygments")
"""The migrations, and the carrier's webhook client with what httpx loads beside it."""

WHAT_EACH_BUILDS = """
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
print(*sys.modules, "--")
services.carrier_clock()
print(*sys.modules, "--")
import api_app
print(*sys.modules)
"""
"""In one interpreter, one start for the three tests: what a worker, a relay or an operation
builds, then the carrier's clock, then the API's part. Each print names every module loaded
so far."""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """The modules loaded by a worker, relay or operation, by the carrier, and with the API,
    on the embedded default."""
    folder = tmp_path_factory.mktemp("role_imports")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "ORDERS_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'orders.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", WHAT_EACH_BUILDS],
        cwd=folder,  # no .env file of a developer's is read
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    background, carrier, api = done.stdout.split(" --")
    return {
        "background": set(background.split()),
        "carrier": set(carrier.split()),
        "api": set(api.split()),
    }


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


def test_a_worker_relay_or_operation_loads_nothing_of_the_api(
    loaded: dict[str, set[str]],
) -> None:
    background = loaded["background"]

    assert {"bootstrap", "sqlalchemy", "aio_pika", "typer"} <= background  # the probe ran
    assert _of_the_api(background) == []
    assert _under(background, ONLY_SOME) == []


def test_the_carrier_loads_its_webhook_client_and_nothing_of_the_api(
    loaded: dict[str, set[str]],
) -> None:
    carrier = loaded["carrier"]

    assert "infrastructure.carrier.webhook_client" in carrier
    assert _of_the_api(carrier) == []
    assert _under(carrier, ("alembic",)) == []


def test_importing_the_api_loads_what_the_tests_above_look_for(
    loaded: dict[str, set[str]],
) -> None:
    api = loaded["api"]

    assert {"strawberry", "graphql", "starlette", "uvicorn", "schema.root"} <= api
    assert "resolvers.common.context" in api
