"""The README's walk from a fresh clone to a delivered order, run as written, and every GraphQL
document of the README checked against the schema, so that what a newcomer copies works."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import parse, validate

from bootstrap import api_limits
from domain.status import OrderStatus
from infrastructure.settings import load_settings
from schema.root import build_schema
from tests.support.embedded import embedded_run
from tests.support.processes import ROOT

README = (ROOT / "README.md").read_text()
DOCUMENTED_ADDRESS = "http://127.0.0.1:8000"


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """Step 1, `make run` on a fresh database, with a quick carrier."""
    with embedded_run(tmp_path, ORDERS_CARRIER_STEP_SECONDS="0.2") as url:
        yield url


def test_the_walk_to_a_delivered_order_works_as_written(served: str) -> None:
    start, *steps = _blocks(_section("Trying the API"), "sh")
    assert "make run" in start  # the fixture stands in for it
    script = "\n".join(steps).replace(DOCUMENTED_ADDRESS, served)
    assert served in script
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}

    done = subprocess.run(
        ["bash", "-eu", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    searched, found, placed, *watched, mine = done.stdout.splitlines()
    assert '"isbn":"9791101126485"' in searched
    assert '"id":"UHJvZHVjdDoy","title":"소년이 온다"' in found
    assert '"status":"PENDING"' in placed
    assert set(watched) <= {status.value for status in OrderStatus}
    assert watched[-1] == "DELIVERED"
    assert '"totalCount":1' in mine
    assert '"status":"DELIVERED"' in mine
    assert '"title":"소년이 온다"' in mine


@pytest.mark.parametrize("document", _blocks(README, "graphql"))
def test_every_graphql_document_of_the_readme_is_valid(document: str) -> None:
    schema = build_schema(api_limits(load_settings()))._schema

    assert validate(schema, parse(document)) == []


def test_the_documented_address_is_the_default_one() -> None:
    settings = load_settings()
    assert f"http://{settings.host}:{settings.port}" == DOCUMENTED_ADDRESS
