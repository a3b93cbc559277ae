"""`python -m bench.seed [--rebuild]`: create and migrate the bench database, build the data set.

Every benchmark does the same first, so this is only needed to build (or rebuild) ahead of time.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.dataset import DATASET, prepared_dataset
from bench.report import say
from bench.services import forget_cached


async def seed(*, rebuild: bool) -> None:
    started = time.monotonic()
    built = await prepared_dataset(rebuild=rebuild)
    if built:
        await forget_cached()
        say(f"built {DATASET.label} in {time.monotonic() - started:.1f} s")
    else:
        say(f"already built: {DATASET.label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true", help="build again even if built")
    asyncio.run(seed(rebuild=parser.parse_args().rebuild))


if __name__ == "__main__":
    main()
