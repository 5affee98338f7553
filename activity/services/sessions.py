"""Housekeeping: close sessions that went silent (abandoned tabs), purge what is past retention."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from activity import kafka
from activity.models import PlaybackSession, ProcessedEvent, SessionProgress
from activity.services import outbox
from core.times import rfc3339

logger = logging.getLogger(__name__)

# The server's stop event of an idle session has a stable id, so closing twice sends it once.
SERVER_CLOSE_NAMESPACE = uuid.UUID("6f1d3c5e-8a4b-4f0e-9c7d-2b1a0e9f8d7c")
# Kept well past Kafka's retention, so a redelivered event is still recognised.
PROCESSED_RETENTION = timedelta(days=30)
SESSION_RETENTION = timedelta(days=30)


def close_idle_sessions(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Close sessions silent for ACTIVITY_SESSION_IDLE_SECONDS at their last position.

    Each gets a `stop` (reason user_exit, `closed_by_server`: true) through the outbox, so the
    statistics see the session end exactly as if the player had said so.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.ACTIVITY_SESSION_IDLE_SECONDS)
    with transaction.atomic():
        sessions = list(
            PlaybackSession.objects.select_for_update(skip_locked=True)
            .filter(closed_at__isnull=True, last_seen_at__lt=cutoff)
            .order_by("last_seen_at")[:limit]
        )
        if not sessions:
            return 0
        traceparent = kafka.current_traceparent()
        rows = []
        for session in sessions:
            event = {
                "event_id": str(uuid.uuid5(SERVER_CLOSE_NAMESPACE, str(session.session_id))),
                "type": "stop",
                "movie_id": session.movie_id,
                "session_id": str(session.session_id),
                "viewer_id": session.viewer_key.split(":", 1)[1],
                "position": session.last_position,
                "occurred_at": rfc3339(session.last_seen_at),
                "reason": "user_exit",
            }
            if session.duration:
                event["duration"] = session.duration
            message = kafka.build_message(event, viewer_key=session.viewer_key, received_at=rfc3339(now), closed_by_server=True)
            rows.append(outbox.OutboxRow(uuid.UUID(event["event_id"]), session.session_id, "stop", message, traceparent, now))
        outbox.insert_outbox_rows(rows)
        PlaybackSession.objects.filter(pk__in=[s.pk for s in sessions]).update(closed_at=now, closed_by_server=True)
        outbox.relay_after_commit()
    logger.info("closed %d idle playback session(s)", len(sessions))
    return len(sessions)


def purge_activity(*, now: datetime | None = None) -> dict[str, int]:
    """Delete sent outbox rows past ACTIVITY_OUTBOX_RETENTION_HOURS and old dedupe/session rows.

    Unsent rows are never purged, however old: they are events Kafka has not confirmed yet.
    """
    now = now or timezone.now()
    sent_before = now - timedelta(hours=settings.ACTIVITY_OUTBOX_RETENTION_HOURS)
    counts = {
        "outbox": _purge_sent_outbox(sent_before),
        "processed_events": ProcessedEvent.objects.filter(processed_at__lt=now - PROCESSED_RETENTION).delete()[0],
        "sessions": PlaybackSession.objects.filter(closed_at__lt=now - SESSION_RETENTION).delete()[0],
        "session_progress": SessionProgress.objects.filter(updated_at__lt=now - SESSION_RETENTION).delete()[0],
    }
    logger.info("activity purge: %s", counts)
    return counts


def _purge_sent_outbox(sent_before: datetime) -> int:
    """Delete the runs of rows Kafka confirmed before `sent_before`, with their rows (by primary key
    range, one statement: never a run without its rows or the reverse)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH old AS (DELETE FROM activity_outboxsent WHERE sent_at < %s RETURNING ids) "
            "DELETE FROM activity_outboxevent AS o USING old WHERE o.id >= lower(old.ids) AND o.id < upper(old.ids)",
            [sent_before],
        )
        return cursor.rowcount
