"""Writes of the analytics: `record_events`, the consumer's hook that folds Kafka messages of the
activity contract into per-session summaries (QoE and watched intervals)."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import fields

from django.db import connection, transaction

from activity.validation import parse_time
from analytics.metrics import SessionState, apply_event
from analytics.models import SessionSummary
from catalog.models import Movie


STATE_FIELDS = [f.name for f in fields(SessionState)]


def record_consumed_events(events) -> None:
    """The activity consumer's sink (settings.ACTIVITY_CONSUMER_SINKS): `events` are ConsumedEvents."""
    record_events([event.message for event in events])


def record_events(messages: list[dict]) -> None:
    """Apply a batch of activity messages (the dicts `activity.kafka.build_message` makes) to
    the session summaries, in one transaction. Safe under redelivery: an event id already applied is
    skipped (analytics_processedevent), so the caller may commit its Kafka offsets after this returns.
    """
    if not messages:
        return
    with transaction.atomic():
        fresh = _claim_fresh(messages)
        if not fresh:
            return
        known = set(Movie.objects.filter(pk__in={m["movie_id"] for m in fresh}).values_list("pk", flat=True))
        by_session: dict[uuid.UUID, list[dict]] = defaultdict(list)
        for message in fresh:
            if message["movie_id"] in known:
                by_session[uuid.UUID(message["session_id"])].append(message)
        if not by_session:
            return
        _create_missing_sessions(by_session)
        # Locked: during a consumer-group rebalance two consumers may briefly hold one session.
        current = SessionSummary.objects.select_for_update().filter(session_id__in=list(by_session)).values("session_id", *STATE_FIELDS)
        states = {}
        for row in current:
            session_id = row.pop("session_id")
            state = SessionState(**row)
            # Kafka keeps one session's messages in order; the client clock settles a batch's ties.
            for message in sorted(by_session[session_id], key=lambda m: parse_time(m["occurred_at"])):
                apply_event(state, message)
            states[session_id] = state
        _save_states(states)


# Column casts of the UPDATE ... FROM unnest(...) that saves the states (one statement per batch:
# Django's bulk_update writes a CASE per column and row, ten times slower here).
STATE_COLUMNS = {
    "duration": "float8", "has_play": "bool", "first_frame": "bool", "startup_time": "float8", "ended": "bool", "fatal": "bool",
    "error_code": "text", "completed": "bool", "last_type": "text", "last_position": "float8", "last_occurred_at": "timestamptz",
    "rendition": "text", "watch_seconds": "float8", "stall_seconds": "float8", "stall_count": "int4",
    "segments": "jsonb", "stalls": "jsonb", "rendition_seconds": "jsonb",
}
assert set(STATE_COLUMNS) == set(STATE_FIELDS), "SessionState and the saved columns must match"


def _save_states(states: dict[uuid.UUID, SessionState]) -> None:
    names = list(STATE_COLUMNS)
    columns = [list(states)]
    for name in names:
        values = [getattr(state, name) for state in states.values()]
        if STATE_COLUMNS[name] == "jsonb":
            values = [json.dumps(value, separators=(",", ":")) for value in values]
        columns.append(values)
    arrays = ", ".join(["%s::uuid[]"] + [f"%s::{'text' if STATE_COLUMNS[n] == 'jsonb' else STATE_COLUMNS[n]}[]" for n in names])
    assignments = ", ".join(f"{n} = r.{n}" + ("::jsonb" if STATE_COLUMNS[n] == "jsonb" else "") for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE analytics_sessionsummary AS s SET {assignments}, updated_at = now() "
            f"FROM unnest({arrays}) AS r(session_id, {', '.join(names)}) WHERE s.session_id = r.session_id",
            columns,
        )


def _claim_fresh(messages: list[dict]) -> list[dict]:
    """The messages whose event id is new (recorded as processed in the same transaction)."""
    unique: dict[uuid.UUID, dict] = {}
    for message in messages:
        unique.setdefault(uuid.UUID(message["event_id"]), message)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO analytics_processedevent (event_id, processed_at) SELECT unnest(%s::uuid[]), now() "
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
            [list(unique)],
        )
        new_ids = {row[0] for row in cursor.fetchall()}
    return [message for event_id, message in unique.items() if event_id in new_ids]


def _create_missing_sessions(by_session: dict[uuid.UUID, list[dict]]) -> None:
    rows = []
    for session_id, session_messages in by_session.items():
        first = min(session_messages, key=lambda m: m["received_at"])
        rows.append(
            (
                session_id,
                first["movie_id"],
                first.get("viewer_key") or f"anon:{first['viewer_id']}",
                parse_time(first["received_at"]).date(),
                min(parse_time(m["occurred_at"]) for m in session_messages),
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO analytics_sessionsummary (session_id, movie_id, viewer_key, day, started_at, updated_at, has_play, "
            "first_frame, ended, fatal, error_code, completed, last_type, last_position, rendition, watch_seconds, stall_seconds, "
            "stall_count, segments, stalls, rendition_seconds) "
            "SELECT s, m, v, d, t, now(), false, false, false, false, '', false, '', 0, '', 0, 0, 0, '[]', '[]', '{}' "
            "FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::date[], %s::timestamptz[]) AS r(s, m, v, d, t) "
            "ON CONFLICT (session_id) DO NOTHING",
            [list(column) for column in zip(*rows)],
        )
