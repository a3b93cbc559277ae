"""Metrics that add up across the processes of one host.

Several processes behind one address (`ORDERS_WORKERS` > 1, or a cluster's API processes behind a
balancer) each count only what they served, so a scrape that lands on any one of them sees a
part. With `ORDERS_METRICS_DIR`, every process sharing the directory writes its figures to files
there (prometheus_client's multiprocess mode) and `/metrics` answers their sum, whichever
process takes the request. Without it, each process answers its own figures (one process per
scrape target, as in a Kubernetes pod).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class _MetricsDirectory(BaseSettings):
    """`ORDERS_METRICS_DIR` alone, read as `Settings` reads it (environment, then `.env`), before
    prometheus_client is imported; `Settings.metrics_dir` is the same setting."""

    model_config = SettingsConfigDict(env_prefix="ORDERS_", env_file=".env", extra="ignore")

    metrics_dir: str | None = None


def export_metrics_directory() -> None:
    directory = _MetricsDirectory().metrics_dir
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        os.environ[MULTIPROCESS_VARIABLE] = directory


def metrics_shared() -> bool:
    """Whether this process writes its figures to a directory shared with others."""
    return MULTIPROCESS_VARIABLE in os.environ
