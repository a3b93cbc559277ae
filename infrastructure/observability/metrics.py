"""Prometheus metrics of one process; every role exposes them on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
OUTBOX_LAG = Gauge(
    "orders_outbox_lag_seconds", "Age of the oldest outbox message not yet published"
)
