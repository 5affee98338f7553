"""Prometheus metrics of the ETL (exposed by the process's /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RUNS = Counter("cinema_etl_runs_total", "ETL runs finished, by status (succeeded, failed) and mode (load, dry_run).", ["status", "mode"])
ROWS = Counter(
    "cinema_etl_rows_total",
    "Rows handled by ETL runs that were kept, by kind (movies, people, credits, cms) and outcome "
    "(created, updated, unchanged, deleted, rejected).",
    ["kind", "outcome"],
)
RUN_DURATION = Histogram(
    "cinema_etl_run_duration_seconds",
    "Wall time of ETL runs, by status.",
    ["status"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
LAST_SUCCESS = Gauge("cinema_etl_last_success_timestamp_seconds", "Unix time of the last successful (non-dry) ETL run.")
