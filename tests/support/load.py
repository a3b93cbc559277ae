"""A busy machine on demand: processes that keep every core busy while a test runs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

BURN_LIMIT_SECONDS = 300
"""A burner stops by itself after this long, even if the test that started it died."""

_BURN = f"""
import time
end = time.monotonic() + {BURN_LIMIT_SECONDS}
while time.monotonic() < end:
    pass
"""


@contextmanager
def busy_cores(count: int | None = None) -> Iterator[None]:
    """One spinning process per core (or `count`) for as long as the block runs."""
    burners = [
        subprocess.Popen([sys.executable, "-c", _BURN]) for _ in range(count or os.cpu_count() or 1)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()
