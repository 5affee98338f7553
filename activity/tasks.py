"""Celery tasks of the activity app: short wrappers around the services, safe to run twice.

The tasks import the services, never the reverse: the services wake the relay by the task's name
(activity.services.outbox.RELAY_TASK)."""

from __future__ import annotations

from activity.services import close_idle_sessions, purge_activity, relay_outbox
from activity.services.outbox import RELAY_TASK
from activity.services.relay import KafkaUnavailable
from core.tasks import durable_task


@durable_task(RELAY_TASK, retry_on=(KafkaUnavailable,), backoff=2, max_backoff=60, max_retries=None, ignore_result=True)
def relay_outbox_task(batch_size: int = 20_000) -> int:
    """Send the outbox to Kafka; retried with backoff while Kafka refuses (rows stay in the outbox)."""
    return relay_outbox(batch_size=batch_size).sent


@durable_task("activity.close_idle_sessions", ignore_result=True)
def close_idle_sessions_task() -> int:
    return close_idle_sessions()


@durable_task("activity.purge_activity", ignore_result=True)
def purge_activity_task() -> dict:
    return purge_activity()
