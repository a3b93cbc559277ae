"""The command line every load bench shares: `--quick` for a short run that checks the bench
itself, and a time limit past which the bench stops rather than hangs."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

Plan = TypeVar("Plan")
Plan_co = TypeVar("Plan_co", covariant=True)


class Plans(Protocol[Plan_co]):
    """A bench's plan class: a full plan, or a quick one that says what it is."""

    QUICK: str
    """What a quick run is, for `--help`."""

    def of(self, quick: bool) -> Plan_co: ...


def run_bench(
    description: str | None,
    bench: Callable[[Plan], Coroutine[Any, Any, None]],
    plans: Plans[Plan],
    time_limit: float,
) -> None:
    """Run `bench` with the plan `--quick` chooses, stopped after `time_limit` seconds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=plans.QUICK)
    plan = plans.of(parser.parse_args().quick)
    asyncio.run(asyncio.wait_for(bench(plan), time_limit))
