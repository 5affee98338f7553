"""Reads of the analytics: QoE figures (overall, per day, per movie), renditions watched, retention.

Every figure is computed from the session summaries of the period in PostgreSQL (percentiles with
percentile_cont), after the rules in analytics.metrics. `movies` says which movies count: the
public API passes the published ones, the admin every movie.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet, Sum
from django.utils import timezone

from analytics import metrics
from analytics.models import SessionSummary
from catalog.models import Movie


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression); nulls are ignored."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def since(days: int) -> date:
    """The first day of a period of `days` days ending today (UTC)."""
    return timezone.now().date() - timedelta(days=days - 1)


def sessions(*, movies: QuerySet[Movie], days: int, movie_id: int | None = None) -> QuerySet[SessionSummary]:
    summaries = SessionSummary.objects.filter(day__gte=since(days), movie__in=movies)
    if movie_id is not None:
        summaries = summaries.filter(movie_id=movie_id)
    return summaries


STARTED = Q(first_frame=True)
STARTUP_FAILURE = Q(has_play=True, ended=True, first_frame=False)

AGGREGATES = {
    "views": Count("pk"),
    "play_requests": Count("pk", filter=Q(has_play=True)),
    "started": Count("pk", filter=STARTED),
    "startup_failures": Count("pk", filter=STARTUP_FAILURE),
    "playback_failures": Count("pk", filter=Q(fatal=True)),
    "completed": Count("pk", filter=Q(completed=True) & STARTED),
    "total_watch_seconds": Sum("watch_seconds"),
    "total_stall_seconds": Sum("stall_seconds"),
    "total_stall_count": Sum("stall_count"),
    "startup_time_p50": PercentileCont("startup_time", 0.5),
    "startup_time_p95": PercentileCont("startup_time", 0.95),
    "watch_time_p50": PercentileCont("watch_seconds", 0.5, filter=STARTED),
    "watch_time_p95": PercentileCont("watch_seconds", 0.95, filter=STARTED),
}


def _figures(row: dict) -> dict:
    """The derived figures (percentages, rates) of one aggregated row."""
    watch, stalled = row["total_watch_seconds"] or 0.0, row["total_stall_seconds"] or 0.0
    return {
        "views": row["views"],
        "started": row["started"],
        "watch_seconds": watch,
        "startup_time_p50": row["startup_time_p50"],
        "startup_time_p95": row["startup_time_p95"],
        "startup_failure_percentage": metrics.percent(row["startup_failures"], row["play_requests"]),
        "rebuffer_percentage": metrics.rebuffer_percentage(stall_seconds=stalled, watch_seconds=watch),
        "rebuffer_frequency": metrics.rebuffer_frequency(stall_count=row["total_stall_count"] or 0, watch_seconds=watch, stall_seconds=stalled),
        "stall_seconds": stalled,
        "playback_failure_percentage": metrics.percent(row["playback_failures"], row["views"]),
        "completion_rate": metrics.percent(row["completed"], row["started"]),
        "watch_time_p50": row["watch_time_p50"],
        "watch_time_p95": row["watch_time_p95"],
    }


def qoe_summary(summaries: QuerySet[SessionSummary]) -> dict:
    return _figures(summaries.aggregate(**AGGREGATES))


def qoe_by_day(summaries: QuerySet[SessionSummary], *, days: int) -> list[dict]:
    """One row per day of the period (days without sessions have zero views and no figures)."""
    rows = {row["day"]: row for row in summaries.values("day").annotate(**AGGREGATES).order_by("day")}
    empty = {name: 0 for name in AGGREGATES} | {name: None for name in AGGREGATES if "_p" in name}
    start = since(days)
    result = []
    for n in range(days):
        day = start + timedelta(days=n)
        result.append({"day": day, **_figures(rows.get(day, empty))})
    return result


def qoe_by_movie(summaries: QuerySet[SessionSummary], *, limit: int) -> list[dict]:
    """The movies with the most views, with their figures."""
    rows = summaries.values("movie_id", "movie__title").annotate(**AGGREGATES).order_by("-views", "movie_id")[:limit]
    return [{"movie_id": row["movie_id"], "title": row["movie__title"], **_figures(row)} for row in rows]


def renditions(summaries: QuerySet[SessionSummary]) -> list[dict]:
    """Share of the time played in each rendition, most watched first."""
    subquery, params = summaries.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kv.key, SUM(kv.value::float8) FROM analytics_sessionsummary s "
            "CROSS JOIN LATERAL jsonb_each_text(s.rendition_seconds) AS kv "
            f"WHERE s.session_id IN ({subquery}) GROUP BY kv.key",
            params,
        )
        seconds = dict(cursor.fetchall())
    total = sum(seconds.values())
    ordered = sorted(seconds.items(), key=lambda item: (-item[1], item[0]))
    return [{"rendition": name, "seconds": value, "share": value / total if total else 0.0} for name, value in ordered]


def retention(summaries: QuerySet[SessionSummary]) -> dict:
    """The retention curve, rewatched segments and completion rate of one movie's sessions."""
    rows = summaries.filter(first_frame=True).values_list("segments", "duration", "completed")
    result = metrics.retention(rows.iterator(chunk_size=2000))
    durations = summaries.filter(first_frame=True, duration__isnull=False).aggregate(d=PercentileCont("duration", 0.5))["d"]
    return {
        "sessions": result.sessions,
        "duration": durations,
        "completion_rate": None if result.completion_rate is None else 100.0 * result.completion_rate,
        "points": [
            {
                "percent": round(i * metrics.RETENTION_STEP * 100),
                "watching": 100.0 * result.still_watching[i],
                "rewatched": 100.0 * result.rewatched[i] if i < len(result.rewatched) else None,
            }
            for i in range(metrics.RETENTION_POINTS)
        ],
    }
