"""Relay: send outbox rows to Kafka in id order, mark them sent only on Kafka's delivery report.

One relay at a time (a PostgreSQL advisory lock), so rows of a session leave in the order they
were stored; the idempotent producer keeps that order on the broker. The work is pipelined: while
Kafka confirms one batch, the next is read and queued, and the rows confirmed so far are marked by a
second database connection, so neither the database nor the broker waits for the other.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from activity import kafka, metrics
from core.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key: one relay at a time across every worker ("activity" in ASCII).
RELAY_LOCK_KEY = 0x6163746976697479
# While the relay keeps finding rows, the backlog gauges are refreshed this often (seconds).
GAUGES_INTERVAL = 1.0
# How often a lingering relay looks for new rows (seconds): one indexed read of an empty queue.
LINGER_POLL = 0.01


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
        cursor.execute("SELECT count(*) FROM activity_outboxunsent")
        count = cursor.fetchone()[0]
        # The oldest unsent row is the first in id order: one step down the queue's primary key.
        cursor.execute("SELECT created_at FROM activity_outboxevent WHERE id = (SELECT min(outbox_id) FROM activity_outboxunsent)")
        row = cursor.fetchone()
        oldest = row[0] if row else None
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    metrics.OUTBOX_BACKLOG.set(count)
    metrics.OUTBOX_OLDEST_AGE.set(max(age, 0.0))
    return count, age


def relay_outbox(*, batch_size: int = 20_000, time_budget: float = 60.0, linger: float = 0.0) -> RelayReport:
    """Send unsent outbox rows, batch after batch, until none are left or the time budget is spent.

    With `linger`, a relay that sent rows and then found none left keeps looking (every LINGER_POLL
    s) for that long before it stops: under load the next rows are then sent within milliseconds of their commit,
    instead of waiting for the nudge that wakes the next relay (at most one per process per
    outbox.NUDGE_INTERVAL, then a round trip through the Celery broker).

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
            gauges_due = time.monotonic() + GAUGES_INTERVAL
            idle_until = 0.0  # lingers only once it has sent something (a nudge that found nothing ends)
            while True:
                sent, failed, errors = _relay(batch_size=batch_size, deadline=deadline)
                report.sent += sent
                report.failed += failed
                report.errors += errors
                if failed:
                    raise KafkaUnavailable(f"Kafka did not confirm {failed} event(s): {'; '.join(sorted(set(errors)))[:300]}")
                # Under a steady load each round finds the rows stored while the last one was sent: go
                # again at once, still holding the lock (a round is then a few milliseconds of work,
                # and the gauges, the unlock and the look below would have doubled its round trips).
                now = time.monotonic()
                if sent:
                    idle_until = now + linger
                elif now >= idle_until:
                    break
                if now >= deadline:
                    break
                if not sent:
                    time.sleep(LINGER_POLL)
                if now >= gauges_due:
                    update_backlog_gauges()
                    gauges_due = now + GAUGES_INTERVAL
        finally:
            update_backlog_gauges()
            _unlock()
        # Rows committed while we held the lock may have had their nudge skipped: look once more,
        # after releasing it (a nudge that found the lock taken happened before this look).
        if time.monotonic() >= deadline or not _unsent_rows_exist():
            return report


def _unsent_rows_exist() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM activity_outboxunsent)")
        return cursor.fetchone()[0]


def _try_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RELAY_LOCK_KEY])
        return cursor.fetchone()[0]


def _unlock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [RELAY_LOCK_KEY])


def _fetch(*, after: int, limit: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            # The next ids off the queue, then their rows by primary key (a join here can turn into
            # a scan of the whole outbox, sent rows included).
            "SELECT id, session_id::text, message, event_type, traceparent FROM activity_outboxevent "
            "WHERE id = ANY(ARRAY(SELECT outbox_id FROM activity_outboxunsent WHERE outbox_id > %s ORDER BY outbox_id LIMIT %s)) "
            "ORDER BY id",
            [after, limit],
        )
        return cursor.fetchall()


def _id_runs(ids: list[int]) -> tuple[list[int], list[int]]:
    """Sorted ids as runs of consecutive integers (lows, highs): every id of a run was delivered, so
    a run never covers a row the relay did not send (such as one committed after it read its batch)."""
    lows: list[int] = []
    highs: list[int] = []
    for row_id in sorted(ids):
        if highs and row_id == highs[-1] + 1:
            highs[-1] = row_id
        else:
            lows.append(row_id)
            highs.append(row_id)
    return lows, highs


MARK_SENT_SQL = (
    # One statement, so one round trip and its own transaction: the rows leave the relay's queue and
    # their runs are recorded as confirmed (a few narrow rows; the outbox rows themselves are not
    # written). The runs recorded are those of the ids this statement took off the queue: a row
    # already marked by another relay (one whose lock died with its connection) is in no run twice.
    "WITH runs AS MATERIALIZED (SELECT * FROM unnest(%s::bigint[], %s::bigint[]) AS r(lo, hi)), "
    "off_queue AS (DELETE FROM activity_outboxunsent AS u USING runs WHERE u.outbox_id BETWEEN runs.lo AND runs.hi "
    "  RETURNING u.outbox_id AS id) "
    "INSERT INTO activity_outboxsent (ids, sent_at) "
    "SELECT int8range(min(id), max(id), '[]'), %s FROM ("
    "  SELECT id, id - row_number() OVER (ORDER BY id) AS run FROM off_queue"  # consecutive ids share it
    ") AS taken GROUP BY run"
)


def _mark_sent(ids: list[int], *, own_connection: bool = False) -> None:
    """Mark delivered rows sent, by runs of consecutive ids, in one statement.

    Its commit does not wait for the WAL flush (`synchronous_commit = off`: session-wide on the
    marking thread's own connection, for this transaction only on a shared one). If PostgreSQL itself
    crashed in the next fraction of a second, the marks would be lost and those rows sent again,
    exactly as after a relay killed before marking (the consumer's event-id dedupe absorbs it). A row
    is still never marked before its delivery report, so nothing is lost; the relay just never waits
    for a disk flush.
    """
    lows, highs = _id_runs(ids)
    params = [lows, highs, timezone.now()]
    if own_connection:
        with connection.cursor() as cursor:
            cursor.execute(MARK_SENT_SQL, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(MARK_SENT_SQL, params)


class _Marker:
    """Marks delivered rows sent: inline, or, once the relay has more than one batch to send, from a
    thread with its own connection while the relay goes on producing.

    Inside a caller's transaction (tests) another connection could not see the rows: always inline.
    """

    # Batches handed over but not yet marked: a bound on what a killed worker sends again.
    MAX_PENDING = 2

    def __init__(self) -> None:
        self.threaded = not connection.in_atomic_block
        self.marked = 0
        self.error: BaseException | None = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(self.MAX_PENDING)
        self._thread: threading.Thread | None = None

    def mark(self, ids: list[int], *, more_to_come: bool) -> None:
        if not ids:
            return
        self.marked += len(ids)
        if self._thread is None and not (self.threaded and more_to_come):
            _mark_sent(ids)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="activity-relay-marker", daemon=True)
            self._thread.start()
        self._slots.acquire()
        self._queue.put(ids)

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection, closed below
                cursor.execute("SET synchronous_commit = off")
            while (ids := self._queue.get()) is not None:
                try:
                    if self.error is None:
                        _mark_sent(ids, own_connection=True)
                except BaseException as exc:  # handed to the relay, which stops and raises it
                    self.error = exc
                finally:
                    self._slots.release()
        finally:
            connection.close()

    def close(self) -> None:
        """Wait until every row handed over is marked; raise what the marking thread met."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if self.error is not None:
            raise self.error


class _Deliveries:
    """Delivery reports (they arrive in this thread, from produce, poll and flush)."""

    def __init__(self) -> None:
        self.queued: dict[str, int] = {}  # event type -> rows queued
        self.queued_ids: list[int] = []
        self.delivered: list[int] = []  # confirmed, not yet handed to the marker
        self.handed: list[int] = []  # confirmed and handed to the marker
        self.failed: dict[int, str] = {}
        # The producer's callback: a bound list.append, no Python frame per confirmed row.
        self.on_delivered = self.delivered.append

    def on_failed(self, row_id: int, error: str) -> None:
        self.failed[row_id] = error

    def in_flight(self) -> int:
        return len(self.queued_ids) - len(self.handed) - len(self.delivered) - len(self.failed)

    def take_delivered(self) -> list[int]:
        taken = self.delivered[:]
        del self.delivered[:]  # the same list object: on_delivered keeps appending to it
        self.handed += taken
        return taken


def _relay(*, batch_size: int, deadline: float) -> tuple[int, int, list[str]]:
    """Send unsent rows in id order until none are left, the deadline passes or Kafka refuses one."""
    deliveries = _Deliveries()
    marker = _Marker()
    topic = kafka.activity_topic()
    after = 0  # rows up to here are queued in the producer (their rows stay unsent until confirmed)
    try:
        while True:
            # At most one batch waits for Kafka while the next is read and queued: a bounded
            # pipeline (memory, and what a killed worker sends again).
            while deliveries.in_flight() > batch_size:
                kafka.poll_producer(0.05)
            rows = _fetch(after=after, limit=batch_size)
            if rows:
                after = rows[-1][0]
                deliveries.queued_ids += [row[0] for row in rows]
                for event_type, count in Counter(row[3] for row in rows).items():
                    deliveries.queued[event_type] = deliveries.queued.get(event_type, 0) + count
                # Rows come as (id, key, value, event_type, traceparent): the producer's record as is.
                kafka.produce_many(topic=topic, records=rows, on_delivered=deliveries.on_delivered, on_failed=deliveries.on_failed)
                kafka.poll_producer(0)
            # After a refusal nothing more is queued: later rows of a session must not overtake it.
            more = len(rows) == batch_size and not deliveries.failed and marker.error is None and time.monotonic() < deadline
            if not more:
                break
            marker.mark(deliveries.take_delivered(), more_to_come=True)
        remaining = kafka.flush_producer(settings.KAFKA_MESSAGE_TIMEOUT_MS / 1000 + 5)
    except kafka.KafkaClientError as exc:
        logger.error("kafka: producer failed: %s", exc)
        remaining = -1
    failed = deliveries.failed
    if failed or remaining or kafka.producer_failed() is not None:
        # After failed deliveries an idempotent producer may be stuck on a producer id the broker
        # no longer knows (a restarted broker) or fatally failed: the next run starts a new one.
        # Rows without a delivery report are sent again then.
        logger.warning("kafka: resetting the producer (fatal=%s, undelivered=%s)", kafka.producer_failed(), remaining)
        kafka.reset_producer()
        confirmed = set(deliveries.handed) | set(deliveries.delivered)
        for row_id in deliveries.queued_ids:
            if row_id not in failed and row_id not in confirmed:
                failed[row_id] = "no delivery report"
    marker.mark(deliveries.take_delivered(), more_to_come=False)
    marker.close()

    if failed:
        with connection.cursor() as cursor:
            # One statement per distinct error keeps this cheap when a whole batch failed alike.
            by_error: dict[str, list[int]] = {}
            for row_id, error in failed.items():
                by_error.setdefault(error, []).append(row_id)
            for error, ids in by_error.items():
                cursor.execute(
                    "UPDATE activity_outboxevent SET attempts = attempts + 1, last_error = %s WHERE id = ANY(%s)",
                    [error, ids],
                )
    relayed = dict(deliveries.queued)
    if failed:
        with connection.cursor() as cursor:
            cursor.execute("SELECT event_type, count(*) FROM activity_outboxevent WHERE id = ANY(%s) GROUP BY 1", [list(failed)])
            for event_type, count in cursor.fetchall():
                relayed[event_type] -= count
    for event_type, count in relayed.items():
        if count:
            metrics.EVENTS_RELAYED.labels(type=event_type).inc(count)
    for error in failed.values():
        metrics.KAFKA_DELIVERY_ERRORS.labels(error=error.split(":")[0][:60]).inc()
    if failed:
        logger.warning("kafka: %d of %d outbox events not confirmed (%s)", len(failed), len(deliveries.queued_ids), next(iter(failed.values())))
    return marker.marked, len(failed), sorted(set(failed.values()))
