"""Reads of the activity app: resume positions, "continue watching", statistics, the outbox backlog."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from activity.models import MovieDailyStats, OutboxEvent, OutboxUnsent, ResumePosition
from activity.rules import RESUME_MIN_FRACTION, RESUME_MIN_SECONDS_UNKNOWN_DURATION, WATCHED_FRACTION, is_resumable
from catalog.selectors import visible_movies

__all__ = ["is_resumable"]  # re-exported: the rule in Python, next to its filter below

# The rules of a resumable position (activity.rules.is_resumable), as a filter.
RESUMABLE = Q(watched=False) & (
    Q(duration__isnull=False, position__gte=F("duration") * RESUME_MIN_FRACTION, position__lt=F("duration") * WATCHED_FRACTION)
    | Q(duration__isnull=True, position__gte=RESUME_MIN_SECONDS_UNKNOWN_DURATION)
)


def continue_watching(*, viewer_key: str, user=None) -> QuerySet[ResumePosition]:
    """The viewer's unfinished films among those `user` may see (published ones, unless staff), last played first."""
    return (
        ResumePosition.objects.filter(RESUMABLE, viewer_key=viewer_key, movie__in=visible_movies(user=user))
        .select_related("movie")
        .order_by("-updated_at", "-id")
    )


def resume_position(*, viewer_key: str | None, movie_id: int) -> ResumePosition | None:
    """Where the viewer should resume `movie_id`, or None (no position, too early, or watched)."""
    if not viewer_key:
        return None
    try:  # one row at most (unique per viewer and movie), found through that unique index
        return ResumePosition.objects.get(RESUMABLE, viewer_key=viewer_key, movie_id=movie_id)
    except ResumePosition.DoesNotExist:
        return None


def _since(days: int) -> date:
    return timezone.now().date() - timedelta(days=days - 1)


TOP_METRICS = ("plays", "watch_seconds", "unique_viewers", "completions")


def _stats(*, user) -> QuerySet[MovieDailyStats]:
    # Statistics of the movies `user` may see: for anyone but staff an unpublished movie has none,
    # exactly like a movie that does not exist.
    return MovieDailyStats.objects.filter(movie__in=visible_movies(user=user))


def top_movies(*, days: int, limit: int, metric: str = "plays", user=None) -> QuerySet:
    """Movies with the most `metric` over the last `days` days (today included)."""
    return (
        _stats(user=user).filter(day__gte=_since(days))
        .values("movie_id", "movie__title")
        .annotate(
            plays=Sum("plays"),
            watch_seconds=Sum("watch_seconds"),
            unique_viewers=Sum("unique_viewers"),
            completions=Sum("completions"),
        )
        .order_by(f"-{metric}", "movie_id")[:limit]
    )


def _daily(*, days: int, movie_id: int | None, user) -> QuerySet:
    stats = _stats(user=user).filter(day__gte=_since(days))
    if movie_id is not None:
        stats = stats.filter(movie_id=movie_id)
    return stats.values("day").order_by("day")


def _every_day(days: int, rows: dict, empty: dict) -> list[dict]:
    start = _since(days)
    return [{"day": start + timedelta(days=n), **rows.get(start + timedelta(days=n), empty)} for n in range(days)]


def watch_time_by_day(*, days: int, movie_id: int | None = None, user=None) -> list[dict]:
    """Seconds watched, plays and unique viewers per day (days without data as zeros)."""
    rows = _daily(days=days, movie_id=movie_id, user=user).annotate(
        watch_seconds=Sum("watch_seconds"), plays=Sum("plays"), unique_viewers=Sum("unique_viewers")
    )
    by_day = {r.pop("day"): r for r in rows}
    return _every_day(days, by_day, {"watch_seconds": 0.0, "plays": 0, "unique_viewers": 0})


def error_rate_by_day(*, days: int, movie_id: int | None = None, user=None) -> list[dict]:
    """Player errors per started session, per day."""
    rows = _daily(days=days, movie_id=movie_id, user=user).annotate(errors=Sum("errors"), starts=Sum("starts"))
    result = _every_day(days, {r.pop("day"): r for r in rows}, {"errors": 0, "starts": 0})
    for row in result:
        row["error_rate"] = round(row["errors"] / row["starts"], 4) if row["starts"] else 0.0
    return result


def outbox_backlog() -> dict:
    queue = OutboxUnsent.objects.order_by("outbox_id")
    first = queue.values_list("outbox_id", flat=True).first()
    oldest = OutboxEvent.objects.filter(pk=first).values_list("created_at", flat=True).first() if first else None
    return {"count": queue.count(), "oldest_age_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0}


def recent_plays(*, days: int = 30) -> QuerySet:
    """Plays per movie over the last `days` days (today included): rows of movie_id, plays (for popularity)."""
    return (
        MovieDailyStats.objects.filter(day__gte=_since(days)).values("movie_id").annotate(plays=Sum("plays")).order_by()
    )
