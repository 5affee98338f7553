"""Writes of the activity app: ingest, the outbox and its relay to Kafka, the consume loop and the
statistics it builds, sessions, purge."""

from activity.services.consumer import ConsumeReport, consume_activity
from activity.services.ingest import EventResult, ingest_events
from activity.services.relay import RelayReport, relay_outbox
from activity.services.sessions import close_idle_sessions, purge_activity
from activity.services.statistics import apply_consumed_events

__all__ = [
    "ConsumeReport",
    "EventResult",
    "RelayReport",
    "apply_consumed_events",
    "close_idle_sessions",
    "consume_activity",
    "ingest_events",
    "purge_activity",
    "relay_outbox",
]
