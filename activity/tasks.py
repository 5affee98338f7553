"""Celery tasks of the activity app: short wrappers around the services, safe to run twice.

The tasks import the services, never the reverse: the services wake the relay by the task's name
(activity.services.outbox.RELAY_TASK)."""

from __future__ import annotations

from celery import shared_task

from activity.services import close_idle_sessions, purge_activity, relay_outbox
from activity.services.outbox import RELAY_TASK
from activity.services.relay import KafkaUnavailable


@shared_task(
    name=RELAY_TASK,
    autoretry_for=(KafkaUnavailable,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def relay_outbox_task(batch_size: int = 20_000) -> int:
    """Send the outbox to Kafka; retried with backoff while Kafka refuses (rows stay in the outbox)."""
    return relay_outbox(batch_size=batch_size).sent


@shared_task(name="activity.close_idle_sessions", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def close_idle_sessions_task() -> int:
    return close_idle_sessions()


@shared_task(name="activity.purge_activity", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def purge_activity_task() -> dict:
    return purge_activity()
