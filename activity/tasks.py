"""Celery tasks of the activity app: short wrappers around the services, safe to run twice.

The tasks import the services, never the reverse: the services wake the relay by the task's name
(activity.services.outbox.RELAY_TASK)."""

from __future__ import annotations

from activity.services import close_idle_sessions, purge_activity, relay_outbox
from activity.services.outbox import RELAY_TASK
from activity.services.relay import KafkaUnavailable
from core.tasks import durable_task

# Seconds a relay task keeps looking for new rows after the outbox ran empty: as long as the nudges'
# interval (activity.services.outbox.NUDGE_INTERVAL), so a steady stream of commits never waits for one.
RELAY_LINGER = 0.1


@durable_task(RELAY_TASK, retry_on=(KafkaUnavailable,), backoff=2, max_backoff=60, max_retries=None, ignore_result=True)
def relay_outbox_task(batch_size: int = 20_000) -> int:
    """Send the outbox to Kafka; retried with backoff while Kafka refuses (rows stay in the outbox).

    The relay lingers a moment after the outbox is empty: under load the next commits follow within
    milliseconds, and it sends them without waiting for another nudge."""
    return relay_outbox(batch_size=batch_size, linger=RELAY_LINGER).sent


@durable_task("activity.close_idle_sessions", ignore_result=True)
def close_idle_sessions_task() -> int:
    return close_idle_sessions()


@durable_task("activity.purge_activity", ignore_result=True)
def purge_activity_task() -> dict:
    return purge_activity()
