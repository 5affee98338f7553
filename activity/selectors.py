"""Reads of the activity app: resume positions, "continue watching", statistics, the outbox backlog."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from activity.models import MovieDailyStats, OutboxEvent, ResumePosition

RESUME_MIN_FRACTION = 0.05  # under 5% of the film, starting over is what the viewer wants
RESUME_MAX_FRACTION = 0.9  # past 90% the film counts as watched
RESUME_MIN_SECONDS_UNKNOWN_DURATION = 60.0

# The rules of a resumable position, as a filter (the same rules as `is_resumable`).
RESUMABLE = Q(watched=False) & (
    Q(duration__isnull=False, position__gte=F("duration") * RESUME_MIN_FRACTION, position__lt=F("duration") * RESUME_MAX_FRACTION)
    | Q(duration__isnull=True, position__gte=RESUME_MIN_SECONDS_UNKNOWN_DURATION)
)


def is_resumable(*, position: float, duration: float | None, watched: bool) -> bool:
    if watched:
        return False
    if duration:
        return RESUME_MIN_FRACTION * duration <= position < RESUME_MAX_FRACTION * duration
    return position >= RESUME_MIN_SECONDS_UNKNOWN_DURATION


def continue_watching(*, viewer_key: str) -> QuerySet[ResumePosition]:
    """The viewer's unfinished films (published ones), last played first."""
    return (
        ResumePosition.objects.filter(RESUMABLE, viewer_key=viewer_key, movie__is_published=True)
        .select_related("movie")
        .order_by("-updated_at", "-id")
    )


def resume_position(*, viewer_key: str | None, movie_id: int) -> ResumePosition | None:
    """Where the viewer should resume `movie_id`, or None (no position, too early, or watched)."""
    if not viewer_key:
        return None
    return ResumePosition.objects.filter(RESUMABLE, viewer_key=viewer_key, movie_id=movie_id).first()


def _since(days: int) -> date:
    return timezone.now().date() - timedelta(days=days - 1)


TOP_METRICS = ("plays", "watch_seconds", "unique_viewers", "completions")


def top_movies(*, days: int, limit: int, metric: str = "plays") -> QuerySet:
    """Movies with the most `metric` over the last `days` days (today included)."""
    return (
        MovieDailyStats.objects.filter(day__gte=_since(days), movie__is_published=True)
        .values("movie_id", "movie__title")
        .annotate(
            plays=Sum("plays"),
            watch_seconds=Sum("watch_seconds"),
            unique_viewers=Sum("unique_viewers"),
            completions=Sum("completions"),
        )
        .order_by(f"-{metric}", "movie_id")[:limit]
    )


def _daily(*, days: int, movie_id: int | None) -> QuerySet:
    stats = MovieDailyStats.objects.filter(day__gte=_since(days))
    if movie_id is not None:
        stats = stats.filter(movie_id=movie_id)
    return stats.values("day").order_by("day")


def _every_day(days: int, rows: dict, empty: dict) -> list[dict]:
    start = _since(days)
    return [{"day": start + timedelta(days=n), **rows.get(start + timedelta(days=n), empty)} for n in range(days)]


def watch_time_by_day(*, days: int, movie_id: int | None = None) -> list[dict]:
    """Seconds watched, plays and unique viewers per day (days without data as zeros)."""
    rows = _daily(days=days, movie_id=movie_id).annotate(
        watch_seconds=Sum("watch_seconds"), plays=Sum("plays"), unique_viewers=Sum("unique_viewers")
    )
    by_day = {r.pop("day"): r for r in rows}
    return _every_day(days, by_day, {"watch_seconds": 0.0, "plays": 0, "unique_viewers": 0})


def error_rate_by_day(*, days: int, movie_id: int | None = None) -> list[dict]:
    """Player errors per started session, per day."""
    rows = _daily(days=days, movie_id=movie_id).annotate(errors=Sum("errors"), starts=Sum("starts"))
    result = _every_day(days, {r.pop("day"): r for r in rows}, {"errors": 0, "starts": 0})
    for row in result:
        row["error_rate"] = round(row["errors"] / row["starts"], 4) if row["starts"] else 0.0
    return result


def outbox_backlog() -> dict:
    unsent = OutboxEvent.objects.filter(sent_at__isnull=True)
    oldest = unsent.order_by("id").values_list("created_at", flat=True).first()
    return {"count": unsent.count(), "oldest_age_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0}
