"""`.ci/run` with the machine's commands stood in for: it installs what the browser test needs
(Chromium, and a Korean font so that screenshots show Korean, not boxes) and what the cluster's
tests need (HAProxy), then runs make test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

SERVICES_UP = {
    "pg_isready": "exit 0",
    "psql": "echo 400",
    "redis-cli": "echo PONG",
    "rabbitmq-diagnostics": "exit 0",
    "haproxy": "",
}
KOREAN_FONT = 'echo "Noto Sans CJK KR"'


def _stand_ins(folder: Path, commands: dict[str, str]) -> None:
    """Scripts that log their arguments to $CALLS and do `body`; real dirname and grep."""
    folder.mkdir()
    for name, body in commands.items():
        script = folder / name
        script.write_text(f'#!/bin/bash\necho "{name} $*" >> "$CALLS"\n{body}\n')
        script.chmod(0o755)
    for real in ("dirname", "grep", "ls"):
        found = shutil.which(real)
        assert found is not None
        (folder / real).symlink_to(found)


def _ci_run(tmp_path: Path, **present: str | None) -> list[str]:
    """Run .ci/run with only the stand-ins on PATH (a command given as None is missing); the
    commands it called, in order."""
    calls = tmp_path / "calls"
    calls.touch()
    commands = {**SERVICES_UP, "apt-get": "", "make": "", **present}
    _stand_ins(
        tmp_path / "bin", {name: body for name, body in commands.items() if body is not None}
    )
    subprocess.run(
        ["/bin/bash", str(ROOT / ".ci" / "run")],
        env={"PATH": str(tmp_path / "bin"), "CALLS": str(calls)},
        capture_output=True,
        check=True,
        timeout=60,
    )
    return calls.read_text().splitlines()


def _installed(calls: list[str]) -> list[str]:
    return [call.split(" -qq ", 1)[1] for call in calls if call.startswith("apt-get install")]


@pytest.mark.parametrize(
    ("present", "installed"),
    [
        ({"chromium": "", "fc-list": KOREAN_FONT}, []),
        ({"chromium": "", "fc-list": ""}, ["fonts-noto-cjk"]),
        ({"fc-list": KOREAN_FONT}, ["chromium"]),
        ({}, ["chromium fonts-noto-cjk"]),
    ],
    ids=["both there", "no Korean font", "no chromium", "neither"],
)
def test_ci_installs_chromium_and_a_korean_font_when_missing(
    tmp_path: Path, present: dict[str, str], installed: list[str]
) -> None:
    calls = _ci_run(tmp_path, **present)

    assert _installed(calls) == installed
    assert calls[-1] == "make test"


def test_ci_installs_haproxy_when_missing(tmp_path: Path) -> None:
    calls = _ci_run(tmp_path, **{"chromium": "", "fc-list": KOREAN_FONT, "haproxy": None})

    assert _installed(calls) == ["haproxy"]
    assert calls[-1] == "make test"


def test_ci_gives_postgresql_enough_connections_for_the_suite(tmp_path: Path) -> None:
    present = {"chromium": "", "fc-list": KOREAN_FONT, "psql": "echo 100"}
    calls = _ci_run(tmp_path, **present, pg_ctlcluster="")

    assert any("ALTER SYSTEM SET max_connections = 300" in call for call in calls), calls
    restarted = [call for call in calls if call.startswith("pg_ctlcluster")]
    assert [call.split()[-1] for call in restarted] == ["restart"], calls
    assert calls[-1] == "make test"


def test_ci_leaves_enough_connections_alone(tmp_path: Path) -> None:
    calls = _ci_run(tmp_path, chromium="", **{"fc-list": KOREAN_FONT})

    assert not any(
        call.startswith(("pg_ctlcluster", "psql -h 127.0.0.1 -U postgres -qc")) for call in calls
    )
