"""The pre-commit hooks run the very commands `make lint` and `make typecheck` run, and `make
test` measures coverage."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]


def _recipe(target: str) -> list[str]:
    """The commands of a Makefile target, as written."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(rf"{target}:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_the_hooks_run_what_make_lint_and_typecheck_run() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [hook["entry"] for hook in hooks] == _recipe("lint") + _recipe("typecheck")
    assert all(hook["pass_filenames"] is False for hook in hooks)


def test_make_test_measures_coverage_of_the_tiers() -> None:
    first = _recipe("test")[0]
    assert first.startswith(".venv/bin/pytest --cov ")
    assert "tests/e2e" in first
