"""Every code an answer carries is a member of one enum, and who may act for a member is one
rule."""

from __future__ import annotations

import ast
from pathlib import Path

from domain.access import may_act_for
from domain.member import Member, Role, Viewer
from domain.problems import ProblemCode
from resolvers.common.errors import ErrorCode

ROOT = Path(__file__).parents[2]


def test_every_problem_code_is_an_error_code() -> None:
    assert {code.value for code in ProblemCode} <= {code.value for code in ErrorCode}


def _literal_codes(path: Path) -> list[str]:
    """`{"code": "<text>"}` and `code="<text>"` written as a string, not an ErrorCode."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        pairs: list[tuple[ast.expr | None, ast.expr]] = []
        if isinstance(node, ast.Dict):
            pairs = list(zip(node.keys, node.values, strict=True))
        for key, value in pairs:
            is_code = isinstance(key, ast.Constant) and key.value == "code"
            if is_code and isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append(f"{path.relative_to(ROOT)}:{value.lineno}: {value.value}")
    return found


def test_no_error_code_is_written_as_a_bare_string() -> None:
    sources = [
        path
        for folder in ("schema", "resolvers", "infrastructure/http")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]
    assert sources
    assert [hit for path in sources for hit in _literal_codes(path)] == []


def _viewer(member_id: str, role: Role = Role.CUSTOMER) -> Viewer:
    return Viewer(Member(member_id, None, None), role)


def test_a_member_acts_for_itself_and_staff_for_anyone() -> None:
    assert may_act_for(_viewer("kim"), "kim")
    assert not may_act_for(_viewer("kim"), "lee")
    assert may_act_for(_viewer("park", Role.STAFF), "lee")
    assert not may_act_for(None, "kim")
