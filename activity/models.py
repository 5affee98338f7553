"""Playback activity: the outbox to Kafka, sessions, resume positions and per-movie statistics."""

from __future__ import annotations

from django.contrib.postgres.indexes import BrinIndex
from django.db import models

# Free space left in each outbox page at insert (PostgreSQL fillfactor, set by migration 0003): room
# for the one new version marking the row sent writes, so that UPDATE stays on the row's own page.
OUTBOX_FILLFACTOR = 50


class OutboxEvent(models.Model):
    """A validated event waiting for (or done with) its trip to Kafka; `id` order is relay order.

    `message` is the Kafka message as JSON text, serialized once at ingest so the relay only
    copies bytes. Rows are marked sent only on Kafka's delivery report and purged after retention.

    Marking a row sent is the relay's main database cost, so the table is laid out for it: unsent rows
    are listed in their own narrow table (OutboxUnsent, the relay's queue) instead of a partial index,
    and no index covers `sent_at`, `attempts` or `last_error`; with pages filled to OUTBOX_FILLFACTOR
    %, marking a row is then a heap-only (HOT) update, written on the row's page with no index entry.
    The purge finds old rows through a BRIN index on `created_at` (a column never updated).
    """

    event_id = models.UUIDField(unique=True, help_text="The client's idempotency key.")
    session_id = models.UUIDField(help_text="The Kafka message key: one session's events stay in order.")
    event_type = models.CharField(max_length=16)
    message = models.TextField(help_text="The Kafka message (JSON).")
    traceparent = models.CharField(max_length=64, blank=True, help_text="W3C trace context of the ingest request.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "outbox event"
        indexes = [
            # The purge's scan (rows are inserted in created_at order, so block ranges are tight).
            BrinIndex(fields=["created_at"], name="outbox_created_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class OutboxUnsent(models.Model):
    """The relay's queue: the id of each outbox row Kafka has not confirmed yet.

    Written with the outbox row (same statement), deleted with the marking of the row as sent (same
    transaction), so `sent_at IS NULL` holds exactly for the rows listed here. A table of its own,
    not a partial index on `sent_at`, so that marking a row sent leaves the outbox's indexes alone.
    """

    outbox_id = models.BigIntegerField(primary_key=True)

    class Meta:
        verbose_name = "unsent outbox event"

    def __str__(self) -> str:
        return str(self.outbox_id)


class PlaybackSession(models.Model):
    """One playback session as ingest sees it: when it last spoke, so idle sessions can be closed."""

    session_id = models.UUIDField(primary_key=True)
    viewer_key = models.CharField(max_length=80)
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(help_text="Server time of the session's latest event.")
    last_position = models.FloatField(default=0)
    duration = models.FloatField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_server = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["last_seen_at"], name="session_open_idle", condition=models.Q(closed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return str(self.session_id)


class ResumePosition(models.Model):
    """The last position of a viewer in a movie, written at ingest (what "continue watching" reads).

    `viewer_key` is `user:<id>` for a logged-in user and `anon:<viewer_id>` for a browser's id,
    so an anonymous id can never name a user.
    """

    viewer_key = models.CharField(max_length=80)
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    position = models.FloatField()
    duration = models.FloatField(null=True, blank=True)
    watched = models.BooleanField(default=False, help_text="Past 90% or stopped as finished.")
    occurred_at = models.DateTimeField(help_text="Client time of the latest event (older events do not overwrite).")
    updated_at = models.DateTimeField(help_text="Server time of the latest event: the 'last played' order.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["viewer_key", "movie"], name="resume_viewer_movie")]
        indexes = [models.Index(fields=["viewer_key", "-updated_at"], name="resume_viewer_recent")]

    def __str__(self) -> str:
        return f"{self.viewer_key} @ {self.movie_id}: {self.position:.0f}s"


class MovieDailyStats(models.Model):
    """Per movie and day (UTC, by the time the server received the events), built by the consumer."""

    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField()
    plays = models.PositiveIntegerField(default=0, help_text="Sessions that reached 10 s of watching.")
    unique_viewers = models.PositiveIntegerField(default=0, help_text="Viewers who watched any of it that day.")
    watch_seconds = models.FloatField(default=0, help_text="Watched sections summed (seeks and pauses excluded).")
    completions = models.PositiveIntegerField(default=0, help_text="Sessions past 90% or stopped as finished.")
    starts = models.PositiveIntegerField(default=0, help_text="Sessions started (play events).")
    errors = models.PositiveIntegerField(default=0, help_text="Player error events.")

    class Meta:
        verbose_name = "daily movie statistics"
        verbose_name_plural = "daily movie statistics"
        constraints = [models.UniqueConstraint(fields=["movie", "day"], name="stats_movie_day")]
        indexes = [models.Index(fields=["day"], name="stats_day")]

    def __str__(self) -> str:
        return f"{self.movie_id} {self.day}"


class DailyViewer(models.Model):
    """Who watched which movie on which day: makes `unique_viewers` exact under redelivery."""

    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    viewer_key = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["movie", "day", "viewer_key"], name="daily_viewer_unique")]


class SessionProgress(models.Model):
    """The consumer's view of a session: where it was and whether it was already counted."""

    session_id = models.UUIDField(primary_key=True)
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    last_type = models.CharField(max_length=16)
    last_position = models.FloatField()
    last_occurred_at = models.DateTimeField()
    watched_seconds = models.FloatField(default=0)
    counted_play = models.BooleanField(default=False)
    completed = models.BooleanField(default=False)
    errored = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class ProcessedEvent(models.Model):
    """Event ids the consumer has applied: a redelivered message is recognised and skipped."""

    event_id = models.UUIDField(primary_key=True)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)
