"""Ingest: validate a batch of player events, store the valid ones in the outbox in one transaction,
update sessions and resume positions, and nudge the relay once the transaction has committed."""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from opentelemetry import propagate

from activity import metrics
from activity.identity import viewer_key_for
from activity.kafka import SCHEMA_VERSION
from activity.validation import check_event, parse_time
from catalog.models import Movie

logger = logging.getLogger(__name__)

WATCHED_FRACTION = 0.9


@dataclass
class EventResult:
    index: int
    event_id: str | None
    status: str  # accepted | duplicate | rejected
    code: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        data = {"index": self.index, "event_id": self.event_id, "status": self.status}
        if self.status == "rejected":
            data["code"] = self.code
            data["reason"] = self.reason
        return data


def current_traceparent() -> str:
    """The W3C traceparent of the current span ("" without an active trace or SDK): the inject point."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")


def _event_id_of(event) -> str | None:
    if isinstance(event, dict) and isinstance(event.get("event_id"), str):
        return event["event_id"]
    return None


def ingest_events(*, events: list, user=None, now: datetime | None = None) -> list[EventResult]:
    """Store the valid events of `events` (already a list of 1..500 items) and say what became of each."""
    now = now or timezone.now()
    results: list[EventResult] = []
    valid: list[tuple[int, dict]] = []
    seen: set[uuid.UUID] = set()
    for index, event in enumerate(events):
        rejection = check_event(event, now=now)
        if rejection is not None:
            results.append(EventResult(index, _event_id_of(event), "rejected", rejection.code, rejection.reason))
            metrics.EVENTS_REJECTED.labels(reason=rejection.code).inc()
            continue
        event["movie_id"] = int(event["movie_id"])  # JSON Schema's integer includes 7.0
        event_uuid = uuid.UUID(event["event_id"])
        if event_uuid in seen:
            results.append(EventResult(index, event["event_id"], "duplicate"))
            metrics.EVENTS_DUPLICATE.labels(type=event["type"]).inc()
            continue
        seen.add(event_uuid)
        results.append(EventResult(index, event["event_id"], "accepted"))
        valid.append((index, event))

    known_movies = set(Movie.objects.filter(pk__in={e["movie_id"] for _, e in valid}).values_list("pk", flat=True))
    staged = []
    for index, event in valid:
        if event["movie_id"] not in known_movies:
            results[index] = EventResult(index, event["event_id"], "rejected", "unknown_movie", f"movie_id: no movie {event['movie_id']}")
            metrics.EVENTS_REJECTED.labels(reason="unknown_movie").inc()
            continue
        staged.append((index, event))
    if not staged:
        return results

    received_at = now.isoformat().replace("+00:00", "Z")
    traceparent = current_traceparent()
    viewer_keys = {index: viewer_key_for(user=user, viewer_id=event["viewer_id"]) for index, event in staged}
    with transaction.atomic():
        inserted = _insert_outbox(staged, viewer_keys, received_at=received_at, traceparent=traceparent, now=now)
        fresh = [(index, event) for index, event in staged if uuid.UUID(event["event_id"]) in inserted]
        for index, event in staged:
            if uuid.UUID(event["event_id"]) not in inserted:
                results[index] = EventResult(index, event["event_id"], "duplicate")
                metrics.EVENTS_DUPLICATE.labels(type=event["type"]).inc()
        if fresh:
            _upsert_sessions(fresh, viewer_keys, now=now)
            _upsert_resume_positions(fresh, viewer_keys, now=now)
        transaction.on_commit(nudge_relay)
    for _, event in fresh:
        metrics.EVENTS_ACCEPTED.labels(type=event["type"]).inc()
    return results


def kafka_message(event: dict, *, viewer_key: str, received_at: str, closed_by_server: bool = False) -> str:
    """The Kafka message of an event: the validated event plus the server fields (JSON text)."""
    message = {**event, "received_at": received_at, "schema_version": SCHEMA_VERSION, "viewer_key": viewer_key}
    if closed_by_server:
        message["closed_by_server"] = True
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def insert_outbox_rows(rows: list[tuple]) -> set[uuid.UUID]:
    """INSERT rows (event_id, session_id, event_type, message, traceparent, created_at), skipping
    event ids already stored; returns the event ids that were new."""
    if not rows:
        return set()
    # One array per column: six parameters whatever the batch size (cheap to bind and to plan).
    columns = [list(column) for column in zip(*rows)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO activity_outboxevent (event_id, session_id, event_type, message, traceparent, created_at, attempts, last_error) "
            "SELECT e, s, t, m, p, c, 0, '' FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[]) "
            "AS r(e, s, t, m, p, c) ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            columns,
        )
        return {row[0] for row in cursor.fetchall()}


def _insert_outbox(staged, viewer_keys, *, received_at: str, traceparent: str, now: datetime) -> set[uuid.UUID]:
    rows = [
        (
            uuid.UUID(event["event_id"]),
            uuid.UUID(event["session_id"]),
            event["type"],
            kafka_message(event, viewer_key=viewer_keys[index], received_at=received_at),
            traceparent,
            now,
        )
        for index, event in staged
    ]
    return insert_outbox_rows(rows)


def _upsert_sessions(fresh, viewer_keys, *, now: datetime) -> None:
    # One row per session (the batch's last event of it): ON CONFLICT cannot touch a row twice.
    latest: dict[uuid.UUID, tuple[int, dict]] = {}
    for index, event in fresh:
        latest[uuid.UUID(event["session_id"])] = (index, event)
    rows = []
    for session_id, (index, event) in latest.items():
        closed_at = now if event["type"] == "stop" else None
        rows.append((session_id, viewer_keys[index], event["movie_id"], now, now, event["position"], event.get("duration"), closed_at))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO activity_playbacksession AS s (session_id, viewer_key, movie_id, started_at, last_seen_at, "
            "last_position, duration, closed_at, closed_by_server) "
            "SELECT *, false FROM unnest(%s::uuid[], %s::text[], %s::bigint[], %s::timestamptz[], %s::timestamptz[], "
            "%s::float8[], %s::float8[], %s::timestamptz[]) "
            "ON CONFLICT (session_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, "
            "last_position = EXCLUDED.last_position, duration = COALESCE(EXCLUDED.duration, s.duration), "
            "closed_at = COALESCE(s.closed_at, EXCLUDED.closed_at)",
            [list(column) for column in zip(*rows)],
        )


def _upsert_resume_positions(fresh, viewer_keys, *, now: datetime) -> None:
    # The latest event per (viewer, movie) by the client's clock; an older one never overwrites.
    latest: dict[tuple[str, int], tuple[datetime, int, dict]] = {}
    for index, event in fresh:
        key = (viewer_keys[index], event["movie_id"])
        candidate = (parse_time(event["occurred_at"]), index, event)
        if key not in latest or candidate[:2] >= latest[key][:2]:
            latest[key] = candidate
    rows = []
    for (viewer_key, movie_id), (occurred_at, _, event) in latest.items():
        duration = event.get("duration")
        finished = event["type"] == "stop" and event.get("reason") == "finished"
        watched = finished or (duration is not None and event["position"] >= WATCHED_FRACTION * duration)
        rows.append((viewer_key, movie_id, event["position"], duration, watched, occurred_at, now))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO activity_resumeposition AS r (viewer_key, movie_id, position, duration, watched, occurred_at, updated_at) "
            "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::float8[], %s::float8[], %s::bool[], %s::timestamptz[], "
            "%s::timestamptz[]) ON CONFLICT (viewer_key, movie_id) DO UPDATE SET "
            "position = EXCLUDED.position, duration = COALESCE(EXCLUDED.duration, r.duration), "
            f"watched = EXCLUDED.watched OR EXCLUDED.position >= {WATCHED_FRACTION} * COALESCE(EXCLUDED.duration, r.duration, 'Infinity'), "
            "occurred_at = EXCLUDED.occurred_at, updated_at = EXCLUDED.updated_at "
            "WHERE r.occurred_at <= EXCLUDED.occurred_at",
            [list(column) for column in zip(*rows)],
        )


# --- Nudging the relay ---------------------------------------------------------------------------
# A publish to a Redis that is down takes seconds (redis-py retries the connection), so nudges leave
# from one background thread per process; a request only drops a token in a one-slot queue. A nudge
# already waiting there covers every commit made before it is sent, so dropping extras loses nothing.

BROKER_BACKOFF = 10.0  # seconds without nudges after the Celery broker failed (beat catches up)
_broker_down_until = 0.0
_pending: queue.Queue = queue.Queue(maxsize=1)
_sender: tuple[int, threading.Thread] | None = None
_sender_lock = threading.Lock()


def nudge_relay() -> None:
    """Ask a worker to relay the outbox now (called from `transaction.on_commit`). Never raises and
    never waits for the broker: the events are stored, and beat runs the relay every few seconds.

    Not `delay_on_commit`: a failing publish inside an on_commit callback would turn the stored
    batch's 202 into a 500, and a slow one would hold the request.
    """
    from activity.tasks import relay_outbox_task

    if relay_outbox_task.app.conf.task_always_eager:
        _relay_here()  # embedded mode: no broker and no worker, so the relay runs here
        return
    _ensure_sender()
    try:
        _pending.put_nowait(None)
    except queue.Full:
        pass


def _send_nudge() -> None:
    global _broker_down_until
    moment = time.monotonic()
    if moment < _broker_down_until:
        return
    from activity.tasks import relay_outbox_task

    try:
        relay_outbox_task.apply_async(retry=False, expires=30)
    except Exception as exc:  # a broker outage must not fail an ingest whose events are already stored
        _broker_down_until = moment + BROKER_BACKOFF
        logger.warning("could not nudge the activity relay (the Celery broker is unreachable?): %s", exc)


def _relay_here() -> None:
    # The service, not the eager task: an eager task's autoretry would retry at once, forever, while
    # Kafka is down. One attempt; what is left waits for the next ingest.
    from activity.services.relay import relay_outbox

    try:
        relay_outbox(time_budget=5.0)
    except Exception as exc:  # the batch is stored; a failed relay only delays it
        logger.warning("activity relay failed (events stay in the outbox): %s", exc)


def _sender_loop() -> None:
    while True:
        _pending.get()
        _send_nudge()


def _ensure_sender() -> None:
    global _sender
    with _sender_lock:
        # A forked child (gunicorn, Celery prefork) inherits the variable but not the thread.
        if _sender is None or _sender[0] != os.getpid() or not _sender[1].is_alive():
            thread = threading.Thread(target=_sender_loop, name="activity-relay-nudge", daemon=True)
            thread.start()
            _sender = (os.getpid(), thread)


def reset_nudge_state() -> None:
    """Forget the broker back-off (tests)."""
    global _broker_down_until
    _broker_down_until = 0.0
