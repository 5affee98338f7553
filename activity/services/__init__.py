"""Writes of the activity app: ingest, relay to Kafka, statistics from Kafka, sessions, purge."""

from activity.identity import viewer_key_for
from activity.services.ingest import EventResult, ingest_events
from activity.services.relay import RelayReport, relay_outbox
from activity.services.sessions import close_idle_sessions, purge_activity
from activity.services.statistics import apply_consumed_events

__all__ = [
    "EventResult",
    "RelayReport",
    "apply_consumed_events",
    "close_idle_sessions",
    "ingest_events",
    "purge_activity",
    "relay_outbox",
    "viewer_key_for",
]
