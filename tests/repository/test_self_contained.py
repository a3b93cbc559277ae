"""The repository stands alone: a user's clone has nothing beside it, so no tracked file may
reach outside it (the design notes and the contract live in docs/)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
THIS_FILE = Path(__file__).relative_to(ROOT).as_posix()

# Names of what sat beside the repository on the machine it was first written on.
OUTSIDE_NAMES = ("shared/design", "shared/SERVICES", "shared/README", "/work/")
RELATIVE_PATH = re.compile(r"(?:\.\./)+[\w.\-/]*")


def _git_grep(*args: str) -> list[str]:
    """`file:line:text` of every tracked file's matching lines (this file left out)."""
    found = subprocess.run(
        ["git", "grep", "-n", "-I", *args, "--", ".", f":!{THIS_FILE}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode in (0, 1), found.stderr  # 1: nothing matched
    return found.stdout.splitlines()


def test_no_tracked_file_names_what_sat_beside_the_repository() -> None:
    patterns = [arg for name in OUTSIDE_NAMES for arg in ("-e", name)]
    assert _git_grep("-F", *patterns) == []


def test_every_relative_path_stays_inside_the_repository() -> None:
    escaping = []
    for hit in _git_grep("-E", r"\.\./"):
        path, line, text = hit.split(":", 2)
        folder = (ROOT / path).parent
        for relative in RELATIVE_PATH.findall(text):
            target = (folder / relative).resolve()
            if not target.is_relative_to(ROOT.resolve()):
                escaping.append(f"{path}:{line}: {relative}")
    assert escaping == []
