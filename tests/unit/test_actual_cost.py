"""The actual cost a query pays back from: the objects in its answer's data, the root not
counted (schema/limits/cost.py)."""

from __future__ import annotations

from typing import Any

import pytest

from schema.limits.cost import actual_cost

ORDER = {
    "number": "B-1",
    "total": {"amount": 12000, "currency": "KRW"},
    "items": [{"quantity": 1, "product": {"title": "소년이 온다"}}, None],
    "payment": None,
    "history": [{"status": "PENDING"}, {"status": "PAID"}],
}


@pytest.mark.parametrize(
    ("data", "objects"),
    [
        (None, 0),
        ({}, 0),
        ({"me": None}, 0),
        ({"me": {"name": "김민준", "tags": ["a", "b"]}}, 1),
        ({"order": ORDER}, 6),
        ({"orders": {"edges": [{"node": ORDER}, {"node": ORDER}]}}, 1 + 2 * (1 + 6)),
        ({"grid": [[{"x": 1}], [{"x": 2}, None]]}, 2),
    ],
)
def test_every_object_below_the_root_counts_once(data: Any, objects: int) -> None:
    assert actual_cost(data) == objects
