"""Playback activity: the outbox to Kafka, sessions, resume positions and per-movie statistics."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, RangeOperators
from django.db import models
from django.db.models import OuterRef, Subquery


class OutboxSent(models.Model):
    """Kafka's confirmations: a run of consecutive outbox ids confirmed together, and when.

    Marking rows sent is the relay's main database cost, so it writes one narrow row per run (a batch
    of 20,000 delivered rows is a handful of runs) instead of a new version of every wide outbox row.
    Runs never overlap (the exclusion constraint; its GiST index finds the run holding an id).
    """

    ids = BigIntegerRangeField(help_text="Outbox ids confirmed together.")
    sent_at = models.DateTimeField(help_text="When the relay recorded Kafka's delivery reports.")

    class Meta:
        verbose_name = "sent outbox run"
        constraints = [ExclusionConstraint(name="outbox_sent_runs_disjoint", expressions=[("ids", RangeOperators.OVERLAPS)])]
        indexes = [models.Index(fields=["sent_at"], name="outbox_sent_at")]  # the purge

    def __str__(self) -> str:
        return f"{self.ids.lower}-{self.ids.upper - 1} at {self.sent_at:%Y-%m-%d %H:%M:%S}"


class OutboxEventManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        # `sent_at` as if it were a column: the time of the confirmed run holding the row (None while
        # Kafka has not confirmed it), one GiST probe per row.
        sent_at = OutboxSent.objects.filter(ids__contains=OuterRef("pk")).values("sent_at")[:1]
        return super().get_queryset().annotate(sent_at=Subquery(sent_at))


class OutboxEvent(models.Model):
    """A validated event waiting for (or done with) its trip to Kafka; `id` order is relay order.

    `message` is the Kafka message as JSON text, serialized once at ingest so the relay only
    copies bytes. Rows are marked sent only on Kafka's delivery report and purged after retention.

    Written once: sending a row never updates it. Unsent rows are listed in their own narrow table
    (OutboxUnsent, the relay's queue) and confirmations are recorded as runs of ids (OutboxSent);
    `objects` reads a row's `sent_at` from those runs. Only a failed delivery updates the row
    (`attempts`, `last_error`), and no index covers either.
    """

    event_id = models.UUIDField(unique=True, help_text="The client's idempotency key.")
    session_id = models.UUIDField(help_text="The Kafka message key: one session's events stay in order.")
    event_type = models.CharField(max_length=16)
    message = models.TextField(help_text="The Kafka message (JSON).")
    traceparent = models.CharField(max_length=64, blank=True, help_text="W3C trace context of the ingest request.")
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0, verbose_name="failed attempts", help_text="Sends Kafka did not confirm.")
    last_error = models.CharField(max_length=500, blank=True, help_text="The latest failed send's error (kept once sent).")

    objects = OutboxEventManager()

    class Meta:
        verbose_name = "outbox event"

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class OutboxUnsent(models.Model):
    """The relay's queue: the id of each outbox row Kafka has not confirmed yet.

    Written with the outbox row (same statement), deleted by the statement that records the row's
    run in OutboxSent, so a row is either listed here or inside a confirmed run, never both.
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
