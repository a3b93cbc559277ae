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


def percentile(timings: list[float], share: float) -> float:
    """The value `share` of the way up the sorted timings (0.99: the 99th percentile)."""
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline else float("nan")


def verdict(value: float, target: float, *, at_most: bool = False) -> str:
    """`(target >= 0.40: met)`, or `MISSED`."""
    met = value <= target if at_most else value >= target
    return f"(target {'<=' if at_most else '>='} {target:g}: {'met' if met else 'MISSED'})"


def _ratios(name: str, ours: LoadResult, baseline: LoadResult) -> str:
    """Ours against a baseline: the medians' ratios, and the spread of the throughput's ratio
    from one run to the next (each run of ours beside the baseline's run that followed it)."""
    throughput = ratio(ours.rate, baseline.rate)
    p50, p99 = ratio(ours.p50_ms, baseline.p50_ms), ratio(ours.p99_ms, baseline.p99_ms)
    line = f"  ours/{name} throughput {throughput:.3f}, p50 x{p50:.1f}, p99 x{p99:.1f}"
    if len(ours.run_rates) > 1 and len(ours.run_rates) == len(baseline.run_rates):
        each = [ratio(a, b) for a, b in zip(ours.run_rates, baseline.run_rates, strict=True)]
        line += f" (throughput by run {min(each):.3f} to {max(each):.3f})"
    return line


def compare_loads(
    ours: LoadResult,
    raw: LoadResult,
    target: float | None = None,
    postgraphile: LoadResult | None = None,
) -> None:
    """Ours, raw, and ours/raw: throughput (against the issue's target, if any) and latency; with
    PostGraphile's figures, ours/PostGraphile beside them."""
    results = [("ours", ours), ("raw", raw)]
    if postgraphile is not None:
        results.append(("PostGraphile", postgraphile))
    width = max(len(name) for name, _ in results)
    for name, result in results:
        say(f"  {name:<{width}} {result.describe()}")
    line = _ratios("raw", ours, raw)
    say(line if target is None else f"{line}  {verdict(ratio(ours.rate, raw.rate), target)}")
    if postgraphile is not None:
        say(_ratios("PostGraphile", ours, postgraphile))
    for name, result in results:
        if result.failed:
            say(
                f"  {name}: {result.failed} of {result.requests} answers were errors;"
                f" the first: {result.first_failure}"
            )
