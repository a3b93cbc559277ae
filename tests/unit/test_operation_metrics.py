"""The latency histogram's operation label is a name the client chooses: each new one adds
series for as long as the process lives, so a process labels a bounded number of them."""

from __future__ import annotations

from uuid import uuid4

from infrastructure.observability.health import OTHER_OPERATIONS, PrometheusApiMetrics
from infrastructure.observability.metrics import REQUEST_SECONDS


def _labelled() -> set[str]:
    return {
        sample.labels["operation"]
        for metric in REQUEST_SECONDS.collect()
        for sample in metric.samples
        if "operation" in sample.labels
    }


def test_names_past_the_bound_count_as_other() -> None:
    metrics = PrometheusApiMetrics(operation_labels=3)
    before = _labelled()
    names = [f"Op{uuid4().hex}" for _ in range(50)]
    for name in names:
        metrics.operation_answered(name, 0.01, [])
    metrics.operation_answered(names[0], 0.01, [])  # one labelled already stays labelled

    assert _labelled() - before - {OTHER_OPERATIONS} == set(names[:3])


def test_a_long_name_counts_as_other() -> None:
    metrics = PrometheusApiMetrics()
    long = "Op" + "x" * 5000
    metrics.operation_answered(long, 0.01, [])
    metrics.operation_answered("Shelf", 0.01, [])

    assert long not in _labelled()
    assert {"Shelf", OTHER_OPERATIONS} <= _labelled()
