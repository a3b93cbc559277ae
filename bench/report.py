"""What the benchmarks print: each figure beside its baseline, and the ratio between them."""

from __future__ import annotations

import sys

from bench.load import LoadResult


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def heading(text: str) -> None:
    say()
    say(f"== {text} ==")


def ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline else float("nan")


def verdict(value: float, target: float, *, at_most: bool = False) -> str:
    """`(target >= 0.40: met)`, or `MISSED`."""
    met = value <= target if at_most else value >= target
    return f"(target {'<=' if at_most else '>='} {target:g}: {'met' if met else 'MISSED'})"


def compare_loads(ours: LoadResult, raw: LoadResult, target: float | None = None) -> None:
    """Ours, raw, and ours/raw: throughput (against the issue's target, if any) and latency."""
    throughput = ratio(ours.rate, raw.rate)
    say(f"  ours {ours.describe()}")
    say(f"  raw  {raw.describe()}")
    line = (
        f"  ours/raw throughput {throughput:.3f}, p50 x{ratio(ours.p50_ms, raw.p50_ms):.1f}, "
        f"p99 x{ratio(ours.p99_ms, raw.p99_ms):.1f}"
    )
    say(line if target is None else f"{line}  {verdict(throughput, target)}")
    for name, result in (("ours", ours), ("raw", raw)):
        if result.failed:
            say(
                f"  {name}: {result.failed} of {result.requests} answers were errors;"
                f" the first: {result.first_failure}"
            )
