"""Prometheus metrics of the stream endpoint (exposed by /metrics with the process's other metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

STREAM_BYTES = Counter("cinema_stream_bytes", "Video bytes sent to clients by the stream endpoint.")
STREAMS_ACTIVE = Gauge(
    "cinema_streams_active",
    "Streams whose body is being sent right now.",
    multiprocess_mode="livesum",  # summed over live gunicorn workers in multiprocess mode
)
STREAM_RESPONSES = Counter(
    "cinema_stream_responses", "Answers of the stream endpoint by status code and mode.", ["status", "mode"]
)
STREAMS_ABORTED = Counter(
    "cinema_streams_aborted", "Streams closed before their last byte (client went away or storage failed)."
)
