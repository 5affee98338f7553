"""Prometheus metrics of the activity pipeline: ingest, relay, consumer, outbox backlog."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_ACCEPTED = Counter("cinema_activity_events_accepted_total", "Events stored in the outbox by ingest, by type.", ["type"])
EVENTS_DUPLICATE = Counter("cinema_activity_events_duplicate_total", "Events ingest had already stored (retries), by type.", ["type"])
EVENTS_REJECTED = Counter("cinema_activity_events_rejected_total", "Events ingest refused, by reason code.", ["reason"])
EVENTS_RELAYED = Counter("cinema_activity_events_relayed_total", "Events Kafka confirmed delivery of, by type.", ["type"])
EVENTS_CONSUMED = Counter(
    "cinema_activity_events_consumed_total", "Events the consumer applied to the statistics, by type.", ["type"]
)
EVENTS_REDELIVERED = Counter(
    "cinema_activity_events_redelivered_total", "Messages the consumer skipped because their event was already applied."
)
KAFKA_DELIVERY_ERRORS = Counter(
    "cinema_activity_kafka_delivery_errors_total", "Messages Kafka did not confirm (they stay in the outbox), by error.", ["error"]
)
# Set by every relay run (beat runs it every few seconds), so they move even while Kafka is down.
OUTBOX_BACKLOG = Gauge(
    "cinema_activity_outbox_backlog", "Outbox events not yet confirmed by Kafka.", multiprocess_mode="mostrecent"
)
OUTBOX_OLDEST_AGE = Gauge(
    "cinema_activity_outbox_oldest_unsent_age_seconds",
    "Age of the oldest outbox event not yet confirmed by Kafka (0 when none).",
    multiprocess_mode="mostrecent",
)
