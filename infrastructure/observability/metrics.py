"""Prometheus metrics; every role exposes them on /metrics: its own, or with
`ORDERS_METRICS_DIR` the sum of every process sharing the directory (shared_metrics.py)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from domain.messages import Consumer
from infrastructure.observability.shared_metrics import metrics_shared

REQUEST_SECONDS = Histogram(
    "orders_api_request_seconds",
    "Time to answer one GraphQL operation",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("orders_api_errors_total", "Errors in GraphQL answers, by code", ["code"])
RATE_LIMITED = Counter("orders_api_rate_limit_refusals_total", "Requests refused as throttled")
MESSAGES = Counter(
    "orders_messages_total",
    "Messages a worker finished with, by consumer and outcome (handled, retried, parked)",
    ["consumer", "outcome"],
)
MESSAGE_OUTCOMES = ("handled", "retried", "parked")
for _consumer in Consumer:  # every series from 0, so that a rate has a start, in every mode
    for _outcome in MESSAGE_OUTCOMES:
        MESSAGES.labels(consumer=_consumer.value, outcome=_outcome)
RESPONSE_LOOKUPS = Counter(
    "orders_response_cache_lookups_total",
    "Lookups of a query's answer in the response cache, by outcome (hit, miss)",
    ["outcome"],
)
for _outcome in ("hit", "miss"):
    RESPONSE_LOOKUPS.labels(outcome=_outcome)
RESPONSES_INVALIDATED = Counter(
    "orders_response_cache_invalidated_total",
    "Cached answers dropped because an event said what they hold changed",
)
OUTBOX_LAG = Gauge(
    "orders_outbox_lag_seconds",
    "Age of the oldest outbox message not yet published",
    multiprocess_mode="mostrecent",  # measured afresh by whichever process is scraped
)


def exposition() -> bytes:
    """The text a scrape gets: this process's figures, or every sharing process's, summed."""
    if not metrics_shared():
        return generate_latest()
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
    return generate_latest(registry)
