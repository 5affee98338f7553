"""Ingest: validate a batch of player events and store the valid ones in one transaction (outbox rows,
sessions, resume positions), then nudge the relay once that transaction has committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from activity import kafka, metrics, rules
from activity.identity import viewer_key_for
from activity.services import binary, outbox
from activity.services.transactions import atomic_with_retry
from activity.validation import check_event, parse_time
from catalog.selectors import visible_movie_ids
from core.times import rfc3339


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


def _event_id_of(event) -> str | None:
    if isinstance(event, dict) and isinstance(event.get("event_id"), str):
        return event["event_id"]
    return None


def ingest_events(*, events: list, user=None, now: datetime | None = None) -> list[EventResult]:
    """Store the valid events of `events` (already a list of 1..500 items) and say what became of each.

    An event naming a movie the sender may not see (missing, or unpublished for anyone but staff) is
    rejected as `unknown_movie`, the same answer in both cases.
    """
    now = now or timezone.now()
    results: list[EventResult] = []
    valid: list[tuple[int, dict]] = []
    seen: set[uuid.UUID] = set()
    event_uuids: dict[int, uuid.UUID] = {}  # each id parsed once (a batch of 50 used to parse 300)
    for index, event in enumerate(events):
        rejection = check_event(event, now=now)
        if rejection is not None:
            results.append(EventResult(index, _event_id_of(event), "rejected", rejection.code, rejection.reason))
            metrics.EVENTS_REJECTED.labels(reason=rejection.code).inc()
            continue
        event_uuid = uuid.UUID(event["event_id"])
        if event_uuid in seen:
            results.append(EventResult(index, event["event_id"], "duplicate"))
            metrics.EVENTS_DUPLICATE.labels(type=event["type"]).inc()
            continue
        seen.add(event_uuid)
        event_uuids[index] = event_uuid
        results.append(EventResult(index, event["event_id"], "accepted"))
        valid.append((index, event))

    known_movies = visible_movie_ids(user=user, ids={e["movie_id"] for _, e in valid}) if valid else set()
    staged = []
    for index, event in valid:
        if event["movie_id"] not in known_movies:
            results[index] = EventResult(index, event["event_id"], "rejected", "unknown_movie", f"movie_id: no movie {event['movie_id']}")
            metrics.EVENTS_REJECTED.labels(reason="unknown_movie").inc()
            continue
        staged.append((index, event))
    if not staged:
        return results

    received_at = rfc3339(now)
    traceparent = kafka.current_traceparent()
    viewer_keys = {index: viewer_key_for(user=user, viewer_id=event["viewer_id"]) for index, event in staged}
    session_uuids = {index: uuid.UUID(event["session_id"]) for index, event in staged}
    rows = [
        outbox.OutboxRow(
            event_uuids[index],
            session_uuids[index],
            event["type"],
            kafka.build_message(event, viewer_key=viewer_keys[index], received_at=received_at),
            traceparent,
            now,
        )
        for index, event in staged
    ]

    def store() -> set[uuid.UUID]:
        inserted = outbox.insert_outbox_rows(rows)
        fresh = [(index, event) for index, event in staged if event_uuids[index] in inserted]
        if fresh:
            _upsert_sessions(fresh, viewer_keys, session_uuids, now=now)
            _upsert_resume_positions(fresh, viewer_keys, now=now)
        outbox.relay_after_commit()
        return inserted

    # Overlapping batches (retries from several tabs, a replaying proxy) write the same rows; each
    # statement takes its locks in key order, and a transaction that still loses a race runs again.
    inserted = atomic_with_retry(store)
    accepted: dict[str, int] = {}
    for index, event in staged:
        if event_uuids[index] in inserted:
            accepted[event["type"]] = accepted.get(event["type"], 0) + 1
        else:
            results[index] = EventResult(index, event["event_id"], "duplicate")
            metrics.EVENTS_DUPLICATE.labels(type=event["type"]).inc()
    for event_type, count in accepted.items():  # one labelled counter step per type, not per event
        metrics.EVENTS_ACCEPTED.labels(type=event_type).inc(count)
    return results


def _upsert_sessions(fresh, viewer_keys, session_uuids, *, now: datetime) -> None:
    # One row per session (the batch's last event of it): ON CONFLICT cannot touch a row twice.
    latest: dict[uuid.UUID, tuple[int, dict]] = {}
    for index, event in fresh:
        latest[session_uuids[index]] = (index, event)
    rows = []
    for session_id, (index, event) in sorted(latest.items()):
        closed_at = now if event["type"] == "stop" else None
        rows.append((session_id, viewer_keys[index], event["movie_id"], now, now, float(event["position"]), _float(event.get("duration")), closed_at))
    # Rows in session-id order (ORDER BY the array position): every transaction locks them in one order.
    binary.execute(
        "INSERT INTO activity_playbacksession AS s (session_id, viewer_key, movie_id, started_at, last_seen_at, "
        "last_position, duration, closed_at, closed_by_server) "
        "SELECT i, v, m, st, ls, p, d, c, false FROM unnest(%s::uuid[], %s::text[], %s::bigint[], %s::timestamptz[], "
        "%s::timestamptz[], %s::float8[], %s::float8[], %s::timestamptz[]) WITH ORDINALITY AS u(i, v, m, st, ls, p, d, c, n) "
        "ORDER BY n "
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
    for (viewer_key, movie_id), (occurred_at, _, event) in sorted(latest.items(), key=lambda item: item[0]):
        duration = event.get("duration")
        finished = event["type"] == "stop" and event.get("reason") == "finished"
        watched = rules.is_watched(position=event["position"], duration=duration, finished=finished)
        rows.append((viewer_key, movie_id, float(event["position"]), _float(duration), watched, occurred_at, now))
    # Rows in (viewer, movie) order: every transaction locks them in one order.
    binary.execute(
        "INSERT INTO activity_resumeposition AS r (viewer_key, movie_id, position, duration, watched, occurred_at, updated_at) "
        "SELECT v, m, p, d, w, o, u FROM unnest(%s::text[], %s::bigint[], %s::float8[], %s::float8[], %s::bool[], "
        "%s::timestamptz[], %s::timestamptz[]) WITH ORDINALITY AS x(v, m, p, d, w, o, u, n) ORDER BY n "
        "ON CONFLICT (viewer_key, movie_id) DO UPDATE SET "
        "position = EXCLUDED.position, duration = COALESCE(EXCLUDED.duration, r.duration), "
        "watched = EXCLUDED.watched OR EXCLUDED.position >= %s * COALESCE(EXCLUDED.duration, r.duration, 'Infinity'), "
        "occurred_at = EXCLUDED.occurred_at, updated_at = EXCLUDED.updated_at "
        "WHERE r.occurred_at <= EXCLUDED.occurred_at",
        [*[list(column) for column in zip(*rows)], rules.WATCHED_FRACTION],
    )


def _float(value) -> float | None:
    """A JSON number as a float (binary parameters want one type per array), None kept."""
    return None if value is None else float(value)
