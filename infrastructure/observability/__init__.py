"""Logs, metrics and health: what operators need to see the service at work.

Importing this package first exports `ORDERS_METRICS_DIR` as prometheus_client's
`PROMETHEUS_MULTIPROC_DIR`: prometheus_client picks where a process keeps its figures when it is
imported, so this must run before it is (every import of it in the service is in this package).
"""

from infrastructure.observability.shared_metrics import export_metrics_directory

export_metrics_directory()
