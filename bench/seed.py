"""`python -m bench.seed [--rebuild]`: create and migrate the bench database, build the data set.

Every benchmark does the same first, so this is only needed to build (or rebuild) ahead of time.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.dataset import DATASET, ensure_dataset
from bench.report import say
from bench.services import connect, forget_cached, prepare_database


async def seed(*, rebuild: bool) -> None:
    started = time.monotonic()
    await prepare_database()
    async with connect() as conn:
        built = await ensure_dataset(conn, rebuild=rebuild)
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
