"""Statistics from the Kafka stream: per-movie daily plays, viewers, watch time, completions, errors.

Applied in one transaction per consumed batch; the consumer commits its offsets only after that
commit. Event ids already applied (ProcessedEvent) are skipped, so a redelivery never counts twice.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from opentelemetry import trace

from activity import metrics, rules
from activity.identity import viewer_key_for
from activity.kafka import ConsumedEvent
from activity.kafka.tracing import context_of, tracing_on
from activity.models import SessionProgress
from activity.validation import parse_time
from catalog.models import Movie

logger = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

PLAY_THRESHOLD = 10.0  # seconds watched before a session counts as a play


@dataclass
class _Delta:
    plays: int = 0
    watch_seconds: float = 0.0
    completions: int = 0
    starts: int = 0
    errors: int = 0
    unique_viewers: int = 0


def apply_consumed_events(events: list[ConsumedEvent]) -> int:
    """Apply a batch of consumed messages to the statistics; returns how many were new."""
    if not events:
        return 0
    with transaction.atomic():
        event_ids = [uuid.UUID(e.message["event_id"]) for e in events]
        new_ids = _claim_event_ids(event_ids)
        fresh, seen = [], set()
        for event, event_id in zip(events, event_ids):
            if event_id in new_ids and event_id not in seen:
                seen.add(event_id)
                fresh.append(event)
        metrics.EVENTS_REDELIVERED.inc(len(events) - len(fresh))
        known = set(Movie.objects.filter(pk__in={e.message["movie_id"] for e in fresh}).values_list("pk", flat=True))
        fresh = [e for e in fresh if e.message["movie_id"] in known]
        if not fresh:
            return 0
        sessions = {
            s.session_id: s
            for s in SessionProgress.objects.select_for_update().filter(
                session_id__in={uuid.UUID(e.message["session_id"]) for e in fresh}
            )
        }
        created: set[uuid.UUID] = set()
        deltas: dict[tuple[int, date], _Delta] = {}
        viewer_days: set[tuple[int, date, str]] = set()
        days: dict[str, date] = {}  # received_at -> UTC day: a batch shares a handful of values
        if tracing_on():
            for event in fresh:
                with tracer.start_as_current_span(
                    "activity.consume", context=context_of(event.traceparent),
                    kind=trace.SpanKind.CONSUMER,
                ) as span:
                    span.set_attribute("activity.event_type", event.message["type"])
                    span.set_attribute("activity.event_id", event.message["event_id"])
                    _apply_one(event.message, sessions, created, deltas, viewer_days, days)
        else:  # no SDK: the spans would be no-ops, and cost more than the rules themselves
            for event in fresh:
                _apply_one(event.message, sessions, created, deltas, viewer_days, days)
        _save_sessions(sessions, created)
        _count_unique_viewers(viewer_days, deltas)
        _save_deltas(deltas)
    for event_type, count in Counter(e.message["type"] for e in fresh).items():
        metrics.EVENTS_CONSUMED.labels(type=event_type).inc(count)
    return len(fresh)


def _claim_event_ids(event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO activity_processedevent (event_id, processed_at) SELECT DISTINCT unnest(%s::uuid[]), now() "
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            [event_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _apply_one(message: dict, sessions: dict, created: set, deltas: dict, viewer_days: set, days: dict) -> None:
    session_id = uuid.UUID(message["session_id"])
    movie_id = message["movie_id"]
    received_at = message["received_at"]
    day = days.get(received_at)
    if day is None:
        day = days[received_at] = parse_time(received_at).date()
    at = parse_time(message["occurred_at"])
    position = float(message["position"])
    delta = deltas.setdefault((movie_id, day), _Delta())
    session = sessions.get(session_id)
    if session is None:
        session = SessionProgress(
            session_id=session_id, movie_id=movie_id, last_type=message["type"], last_position=position, last_occurred_at=at
        )
        sessions[session_id] = session
        created.add(session_id)
        if message["type"] == "play":
            delta.starts += 1
    else:
        watched = rules.watched_section(
            previous_type=session.last_type,
            previous_position=session.last_position,
            previous_at=session.last_occurred_at,
            position=position,
            at=at,
        )
        if watched:
            session.watched_seconds += watched
            delta.watch_seconds += watched
            viewer_days.add((movie_id, day, message.get("viewer_key") or viewer_key_for(viewer_id=message["viewer_id"])))
        if at >= session.last_occurred_at:
            session.last_type, session.last_position, session.last_occurred_at = message["type"], position, at
    if not session.counted_play and session.watched_seconds >= PLAY_THRESHOLD:
        session.counted_play = True
        delta.plays += 1
    duration = message.get("duration")
    finished = message["type"] == "stop" and message.get("reason") == "finished"
    if not session.completed and rules.is_watched(position=position, duration=duration, finished=finished):
        session.completed = True
        delta.completions += 1
    if message["type"] == "error":
        session.errored = True
        delta.errors += 1


def _save_sessions(sessions: dict, created: set) -> None:
    SessionProgress.objects.bulk_create([s for sid, s in sessions.items() if sid in created])
    existing = [s for sid, s in sessions.items() if sid not in created]
    if existing:
        SessionProgress.objects.bulk_update(
            existing, ["last_type", "last_position", "last_occurred_at", "watched_seconds", "counted_play", "completed", "errored"]
        )


def _count_unique_viewers(viewer_days: set, deltas: dict) -> None:
    if not viewer_days:
        return
    rows = sorted(viewer_days)
    placeholders = ",".join(["(%s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO activity_dailyviewer (movie_id, day, viewer_key) VALUES {placeholders} "
            "ON CONFLICT (movie_id, day, viewer_key) DO NOTHING RETURNING movie_id, day",
            [value for row in rows for value in row],
        )
        for movie_id, day in cursor.fetchall():
            deltas[(movie_id, day)].unique_viewers += 1


def _save_deltas(deltas: dict) -> None:
    rows = [
        (movie_id, day, d.plays, d.unique_viewers, d.watch_seconds, d.completions, d.starts, d.errors)
        for (movie_id, day), d in sorted(deltas.items())
    ]
    placeholders = ",".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO activity_moviedailystats AS s (movie_id, day, plays, unique_viewers, watch_seconds, completions, starts, errors) "
            f"VALUES {placeholders} ON CONFLICT (movie_id, day) DO UPDATE SET "
            "plays = s.plays + EXCLUDED.plays, unique_viewers = s.unique_viewers + EXCLUDED.unique_viewers, "
            "watch_seconds = s.watch_seconds + EXCLUDED.watch_seconds, completions = s.completions + EXCLUDED.completions, "
            "starts = s.starts + EXCLUDED.starts, errors = s.errors + EXCLUDED.errors",
            [value for row in rows for value in row],
        )
