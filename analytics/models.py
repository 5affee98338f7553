"""Viewing analytics: one summary row per playback session (QoE and watched intervals), built by the
activity consumer through `analytics.services.record_events`, and the marker of the demo history.

The figures (startup time percentiles, rebuffering, failures, retention) are computed from these
rows when asked: percentiles over a period cannot be added up from daily percentiles, and a
session's row is where redelivery and late events are settled.
"""

from __future__ import annotations

from django.db import models

from catalog.models import Movie


class SessionSummary(models.Model):
    """One playback session as the analytics see it (see analytics.metrics for every rule)."""

    session_id = models.UUIDField(primary_key=True)
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    viewer_key = models.CharField(max_length=80)
    day = models.DateField(help_text="UTC day the server received the session's first event.")
    started_at = models.DateTimeField(help_text="Client time of the session's first event.")
    updated_at = models.DateTimeField(auto_now=True)
    duration = models.FloatField(null=True, blank=True, help_text="The video's length in seconds.")
    has_play = models.BooleanField(default=False, help_text="A play request was seen.")
    first_frame = models.BooleanField(default=False, help_text="Playback started (the playhead moved).")
    startup_time = models.FloatField(null=True, blank=True, help_text="Seconds from the play request to the first frame.")
    ended = models.BooleanField(default=False)
    fatal = models.BooleanField(default=False, help_text="Ended by a fatal error (a playback failure).")
    error_code = models.CharField(max_length=64, blank=True)
    completed = models.BooleanField(default=False, help_text="Stopped as finished or watched past 90%.")
    last_type = models.CharField(max_length=16, blank=True)
    last_position = models.FloatField(default=0)
    last_occurred_at = models.DateTimeField(null=True, blank=True)
    rendition = models.CharField(max_length=32, blank=True, help_text="The rendition last reported.")
    watch_seconds = models.FloatField(default=0, help_text="Seconds played (rewatched parts count again).")
    stall_seconds = models.FloatField(default=0, help_text="Seconds stalled (overlapping reports merged).")
    stall_count = models.PositiveIntegerField(default=0)
    segments = models.JSONField(default=list, help_text="Watched intervals [[from, to], ...] in seconds, in watching order.")
    stalls = models.JSONField(default=list, help_text="Merged stalls [[start, end], ...] as epoch seconds.")
    rendition_seconds = models.JSONField(default=dict, help_text="Seconds played per rendition.")

    class Meta:
        verbose_name = "session summary"
        verbose_name_plural = "session summaries"
        indexes = [
            models.Index(fields=["day", "movie"], name="analytics_session_day_movie"),
            models.Index(fields=["movie", "day"], name="analytics_session_movie_day"),
        ]

    def __str__(self) -> str:
        return str(self.session_id)


class ProcessedEvent(models.Model):
    """Event ids the analytics have applied: a redelivered message is recognised and skipped."""

    event_id = models.UUIDField(primary_key=True)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)


class DemoActivityLoad(models.Model):
    """The demo viewing history was sent (`manage.py load_demo_activity` runs once)."""

    name = models.CharField(max_length=40, unique=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    sessions = models.PositiveIntegerField()
    events = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.name} ({self.loaded_at:%Y-%m-%d})"


class MovieAnalytics(Movie):
    """A movie seen through its viewing figures: the admin's analytics screens (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "movie analytics"
        verbose_name_plural = "viewing analytics"
