"""The command lines benches share: a load bench's `--quick` (a short run that checks the bench
itself) and its time limit, past which it stops rather than hangs; an in-process bench's rounds
and requests; a search bench's rounds and searches."""

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


def run_in_turns(
    description: str | None,
    measure: Callable[[int, int], Coroutine[Any, Any, None]],
    *,
    requests: int,
) -> None:
    """Run an in-process bench that measures its cases in turns: `--rounds` rounds (6 unless
    told) of `--requests` requests of each case (`requests` unless told)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=requests)
    args = parser.parse_args()
    asyncio.run(measure(args.rounds, args.requests))


def search_rounds(description: str | None, *, queries: int) -> argparse.ArgumentParser:
    """A search bench's command line: `--rounds` (3 unless told) of `--queries` searches of
    each case (`queries` unless told); the bench adds its own options."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=queries)
    return parser
