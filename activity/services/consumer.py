"""The consume loop: read the activity topic as a member of its consumer group, apply each batch to
the statistics in one transaction, and commit the offsets only after that transaction committed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from activity import kafka
from activity.services.statistics import apply_consumed_events

logger = logging.getLogger(__name__)


@dataclass
class ConsumeReport:
    messages: int = 0  # messages read (unreadable ones included)
    applied: int = 0  # events new to the statistics (redeliveries excluded)


def apply_batch(events: list[kafka.ConsumedEvent]) -> int:
    """The statistics and every ACTIVITY_CONSUMER_SINKS function, in one transaction; how many events were new."""
    with transaction.atomic():
        applied = apply_consumed_events(events)
        for path in settings.ACTIVITY_CONSUMER_SINKS:
            import_string(path)(events)
    return applied


def consume_activity(
    *,
    group: str | None = None,
    batch_size: int = 500,
    session_timeout: float = 10.0,
    idle_exit: float = 0,
    max_messages: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
    on_start: Callable[[kafka.ActivityConsumer], None] = lambda consumer: None,
) -> ConsumeReport:
    """Consume until `should_stop()`, `max_messages` read, or `idle_exit` seconds without a message
    (0: never). Raises KafkaNotConfigured without a broker."""
    consumer = kafka.ActivityConsumer(group_id=group, session_timeout=session_timeout)
    on_start(consumer)
    report = ConsumeReport()
    last_message = time.monotonic()
    try:
        while not should_stop():
            batch = consumer.read(max_messages=batch_size, timeout=1.0)
            if batch.messages:
                report.applied += apply_batch(batch.events)
                try:
                    consumer.commit()
                except kafka.KafkaClientError as exc:
                    # Uncommitted offsets mean a redelivery, which the event id dedupe absorbs.
                    logger.warning("kafka consumer: offset commit failed: %s", exc)
                report.messages += batch.messages
                last_message = time.monotonic()
            if max_messages and report.messages >= max_messages:
                break
            if idle_exit and time.monotonic() - last_message > idle_exit:
                break
    finally:
        consumer.close()
    return report
