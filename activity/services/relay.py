"""Relay: send outbox rows to Kafka in id order, mark them sent only on Kafka's delivery report.

One relay at a time (a PostgreSQL advisory lock), so rows of a session leave in the order they
were stored; the idempotent producer keeps that order on the broker.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone

from activity import kafka, metrics
from activity.kafka.tracing import tracing_on
from core.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key: one relay at a time across every worker ("activity" in ASCII).
RELAY_LOCK_KEY = 0x6163746976697479


class KafkaUnavailable(ServiceUnavailable):
    """Kafka did not confirm delivery of outbox events; they stay in the outbox and are retried."""

    code = "kafka_unavailable"


@dataclass
class RelayReport:
    sent: int = 0
    failed: int = 0
    skipped: bool = False  # another relay held the lock
    errors: list[str] = field(default_factory=list)


def update_backlog_gauges() -> tuple[int, float]:
    """Count the unsent rows and the age of the oldest; publish both as gauges."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM activity_outboxevent WHERE sent_at IS NULL")
        count = cursor.fetchone()[0]
        # The oldest unsent row is the first in id order: one step down the partial index.
        cursor.execute("SELECT created_at FROM activity_outboxevent WHERE sent_at IS NULL ORDER BY id LIMIT 1")
        row = cursor.fetchone()
        oldest = row[0] if row else None
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    metrics.OUTBOX_BACKLOG.set(count)
    metrics.OUTBOX_OLDEST_AGE.set(max(age, 0.0))
    return count, age


def relay_outbox(*, batch_size: int = 5000, time_budget: float = 60.0) -> RelayReport:
    """Send unsent outbox rows, batch after batch, until none are left or the time budget is spent.

    Raises KafkaUnavailable when Kafka refused a batch (after recording which rows made it).
    """
    report = RelayReport()
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        return report
    deadline = time.monotonic() + time_budget
    while True:
        if not _try_lock():
            # Another relay is running; it looks again after releasing the lock (below), so rows
            # whose nudge landed here are not stranded.
            report.skipped = report.sent == 0
            return report
        try:
            update_backlog_gauges()
            while time.monotonic() < deadline:
                sent, failed, errors = _relay_batch(batch_size)
                report.sent += sent
                report.failed += failed
                report.errors += errors
                if failed:
                    raise KafkaUnavailable(f"Kafka did not confirm {failed} event(s): {'; '.join(sorted(set(errors)))[:300]}")
                if sent < batch_size:
                    break
        finally:
            update_backlog_gauges()
            _unlock()
        # Rows committed while we held the lock may have had their nudge skipped: look once more,
        # after releasing it (a nudge that found the lock taken happened before this look).
        if time.monotonic() >= deadline or not _unsent_rows_exist():
            return report


def _unsent_rows_exist() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM activity_outboxevent WHERE sent_at IS NULL)")
        return cursor.fetchone()[0]


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RELAY_LOCK_KEY])
        return cursor.fetchone()[0]


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [RELAY_LOCK_KEY])


def _relay_batch(batch_size: int) -> tuple[int, int, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, session_id::text, event_type, message, traceparent FROM activity_outboxevent "
            "WHERE sent_at IS NULL ORDER BY id LIMIT %s",
            [batch_size],
        )
        rows = cursor.fetchall()
    if not rows:
        return 0, 0, []

    delivered: list[int] = []
    delivered_types: dict[str, int] = {}
    failed: dict[int, str] = {}
    types = {row[0]: row[2] for row in rows}

    def on_delivery(row_id, error):
        if error is None:
            delivered.append(row_id)
        else:
            failed[row_id] = error

    topic = kafka.activity_topic()
    tracing = tracing_on()
    try:
        for n, (row_id, session_id, event_type, message, traceparent) in enumerate(rows):
            headers = kafka.message_headers(event_type=event_type, traceparent=traceparent)
            with kafka.traced_from(traceparent, enabled=tracing):
                kafka.produce(
                    topic=topic, value=message.encode(), key=session_id.encode(), headers=headers,
                    on_delivery=functools.partial(on_delivery, row_id),
                )
            if n % 256 == 0:
                kafka.poll_producer(0)  # run delivery callbacks as we go
        remaining = kafka.flush_producer(settings.KAFKA_MESSAGE_TIMEOUT_MS / 1000 + 5)
    except kafka.KafkaClientError as exc:
        logger.error("kafka: producer failed: %s", exc)
        remaining = -1
    if failed or remaining or kafka.producer_failed() is not None:
        # After failed deliveries an idempotent producer may be stuck on a producer id the broker
        # no longer knows (a restarted broker) or fatally failed: the next run starts a new one.
        # Rows without a delivery report are sent again then.
        logger.warning("kafka: resetting the producer (fatal=%s, undelivered=%s)", kafka.producer_failed(), remaining)
        kafka.reset_producer()
        confirmed = set(delivered)
        for row_id, *_ in rows:
            if row_id not in failed and row_id not in confirmed:
                failed[row_id] = "no delivery report"

    now = timezone.now()
    with connection.cursor() as cursor:
        if delivered:
            cursor.execute(
                "UPDATE activity_outboxevent SET sent_at = %s, attempts = attempts + 1, last_error = '' WHERE id = ANY(%s)",
                [now, delivered],
            )
        if failed:
            # One statement per distinct error keeps this cheap when a whole batch failed alike.
            by_error: dict[str, list[int]] = {}
            for row_id, error in failed.items():
                by_error.setdefault(error, []).append(row_id)
            for error, ids in by_error.items():
                cursor.execute(
                    "UPDATE activity_outboxevent SET attempts = attempts + 1, last_error = %s WHERE id = ANY(%s)",
                    [error, ids],
                )
    for row_id in delivered:
        delivered_types[types[row_id]] = delivered_types.get(types[row_id], 0) + 1
    for event_type, count in delivered_types.items():
        metrics.EVENTS_RELAYED.labels(type=event_type).inc(count)
    for error in failed.values():
        metrics.KAFKA_DELIVERY_ERRORS.labels(error=error.split(":")[0][:60]).inc()
    if failed:
        logger.warning("kafka: %d of %d outbox events not confirmed (%s)", len(failed), len(rows), next(iter(failed.values())))
    return len(delivered), len(failed), sorted(set(failed.values()))
