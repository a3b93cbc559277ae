"""The README's walk from a fresh clone to a delivered order, run as written, and every GraphQL
document of the README checked against the schema, so that what a newcomer copies works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from api_app import api_limits
from domain.status import OrderStatus
from infrastructure.settings import load_settings
from schema.root import build_schema
from tests.support.embedded import embedded_run
from tests.support.processes import ROOT
from tests.support.waiting import eventually

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


def _subsection(title: str) -> str:
    start = README.index(f"\n### {title}\n")
    return README[start : README.index("\n### ", start + 1)]


def _token(*args: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORDERS_")}
    minted = subprocess.run(
        [sys.executable, "main.py", "token", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert minted.returncode == 0, minted.stderr
    return minted.stdout.strip()


@pytest.fixture
def served_slowly(tmp_path: Path) -> Iterator[str]:
    """`make run` with a carrier slow enough to cancel lines between registration and pickup."""
    with embedded_run(tmp_path, ORDERS_CARRIER_STEP_SECONDS="5") as url:
        yield url


async def test_the_pricing_walk_answers_as_written(served_slowly: str) -> None:
    rates, earning, balance, spending, cancelling = _blocks(
        _subsection("Prices, points and 부분취소, step by step"), "graphql"
    )
    staff = _token("--member", "ops-1", "--role", "staff")
    customer = _token("--member", f"walker-{uuid.uuid4().hex[:8]}", "--name", "김민준")

    async with httpx.AsyncClient(base_url=served_slowly, timeout=30) as client:

        async def ask(
            document: str, token: str, variables: dict[str, Any] | None = None
        ) -> dict[str, Any]:
            response = await client.post(
                "/graphql",
                json={"query": document, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            assert "errors" not in body, body
            data: dict[str, Any] = body["data"]
            return data

        async def status(order: str) -> str:
            found = await ask(
                "query ($id: ID!) { order(id: $id) { status } }", customer, {"id": order}
            )
            return str(found["order"]["status"])

        priced = await ask(rates, staff)
        earned = (await ask(earning, customer))["placeOrder"]["order"]
        before = (await ask(balance, customer))["me"]["points"]["balance"]
        await eventually(lambda: status(earned["id"]), lambda s: s == "DELIVERED", within=90)
        after = (await ask(balance, customer))["me"]["points"]
        spent = (await ask(spending, customer))["placeOrder"]["order"]
        await eventually(lambda: status(spent["id"]), lambda s: s in ("PAID", "PREPARING"))
        cancelled = (await ask(cancelling, customer, {"id": spent["id"]}))["cancelOrderLines"]
        last = cancelling.replace(
            '[{ productId: "UHJvZHVjdDoz", quantity: 1 },\n'
            '                                    { productId: "UHJvZHVjdDo1", quantity: 1 }]',
            '[{ productId: "UHJvZHVjdDoy", quantity: 1 }]',
        )
        whole = (await ask(last, customer, {"id": spent["id"]}))["cancelOrderLines"]
        returned = (await ask(balance, customer))["me"]["points"]

    assert [book["product"] for book in list(priced.values())[:3]] == [
        {
            "title": "소년이 온다",
            "listPrice": {"amount": 15_500},
            "salePrice": {"amount": 13_950},
            "points": 775,
        },
        {
            "title": "작별하지 않는다",
            "listPrice": {"amount": 12_500},
            "salePrice": {"amount": 11_250},
            "points": 625,
        },
        {
            "title": "아몬드",
            "listPrice": {"amount": 13_000},
            "salePrice": {"amount": 11_700},
            "points": 650,
        },
    ]
    [law] = priced["beyond"]["errors"]
    assert (law["code"], law["field"]) == ("BOOK_PRICE_LAW", ["pointsRate"])
    assert (
        "the discount (10 %) and the points (6 %) together are more than the 15 %" in law["message"]
    )
    assert {k: v for k, v in earned.items() if k != "id"} == {
        "subtotal": {"amount": 27_900},
        "shippingFee": {"amount": 0},
        "amountCharged": {"amount": 27_900},
        "pointsToEarn": 1_550,
    }
    assert (before, after["balance"]) == (0, 1_550)
    assert [e["node"]["reason"] for e in after["entries"]["edges"]] == ["EARNED"]
    assert {k: v for k, v in spent.items() if k != "id"} == {
        "total": {"amount": 36_900},
        "pointsUsed": 1_550,
        "amountCharged": {"amount": 35_350},
        "pointsToEarn": 2_050,
    }
    assert cancelled["errors"] == []
    order = cancelled["order"]
    assert {k: v for k, v in order.items() if k not in ("status", "items", "history")} == {
        "subtotal": {"amount": 13_950},
        "shippingFee": {"amount": 2_500},
        "total": {"amount": 16_450},
        "pointsUsed": 1_550,
        "amountCharged": {"amount": 14_900},
        "pointsToEarn": 775,
    }
    assert order["items"] == [{"quantity": 1, "product": {"title": "소년이 온다"}}]
    # in the history, not necessarily last: an order cancelled from PAID may have its parcel
    # registered between the cancellation's commit and the answer's read
    assert (
        "cancelled at the customer's request: 1 of 작별하지 않는다, 1 of 아몬드 "
        "(back: ₩20,450 to the card, 0 points)"
    ) in [entry["message"] for entry in order["history"]]
    assert whole["order"]["status"] == "CANCELLED"
    assert returned["balance"] == 1_550
    assert [e["node"]["reason"] for e in returned["entries"]["edges"]] == [
        "RETURNED",
        "SPENT",
        "EARNED",
    ]
