"""How the cluster starts its processes: in a session of their own, so that a Ctrl-C at the
terminal reaches only the launcher (which then stops them in order), and each told by the
kernel to stop (SIGTERM) if the launcher itself dies without stopping them."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl


def _detach_but_die_with_parent() -> None:
    os.setsid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start(
    command: Sequence[str], log: Path, *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """`command` with its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_detach_but_die_with_parent,
        )
