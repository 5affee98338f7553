"""Reads of viewer accounts: my list, viewing history (the activity app's positions, read-only), the
signed-in sessions still alive, and the export of everything stored about an account."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone

from accounts.models import MyListItem, Profile, UserSession
from activity.identity import viewer_key_for
from activity.models import PlaybackSession, ResumePosition


def my_list(*, user) -> QuerySet[MyListItem]:
    """The viewer's saved movies (published ones), last added first."""
    return (
        MyListItem.objects.filter(user=user, movie__is_published=True)
        .select_related("movie")
        .order_by("-added_at", "-id")
    )


def viewing_history(*, user) -> QuerySet[ResumePosition]:
    """What the viewer watched (published movies), how far and when, last watched first."""
    return (
        ResumePosition.objects.filter(viewer_key=viewer_key_for(user=user), movie__is_published=True)
        .select_related("movie")
        .order_by("-updated_at", "-id")
    )


def _live_session_keys(keys: list[str]) -> set[str]:
    if settings.SESSION_ENGINE in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        from django.contrib.sessions.models import Session

        return set(Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list("session_key", flat=True))
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    return {key for key in keys if store.exists(key)}


def active_sessions(*, user) -> list[UserSession]:
    """The viewer's signed-in sessions that have not ended or expired, newest first."""
    records = list(UserSession.objects.filter(user=user).order_by("-created_at", "-id"))
    live = _live_session_keys([r.session_key for r in records])
    return [r for r in records if r.session_key in live]


def profile_of(*, user) -> Profile | None:
    return Profile.objects.filter(user=user).first()


def events_summary(*, user) -> dict:
    """What the playback events sent while signed in amount to (the events themselves went to Kafka,
    pseudonymous): sessions per movie, first and last."""
    sessions = PlaybackSession.objects.filter(viewer_key=viewer_key_for(user=user))
    totals = sessions.aggregate(count=Count("session_id"), first=Min("started_at"), last=Max("last_seen_at"))
    per_movie = (
        sessions.filter(movie__is_published=True).values("movie_id", "movie__title")
        .annotate(sessions=Count("session_id"), last=Max("last_seen_at"))
        .order_by("-last")
    )
    return {
        "playback_sessions": totals["count"],
        "first_session_at": totals["first"],
        "last_session_at": totals["last"],
        "by_movie": [
            {"movie_id": row["movie_id"], "title": row["movie__title"], "sessions": row["sessions"], "last_at": row["last"]}
            for row in per_movie
        ],
    }


def _title(movie) -> str | None:
    # A movie unpublished since is kept by id only: its title is not the viewer's to read any more.
    return movie.title if movie.is_published else None


def export_data(*, user) -> dict:
    """Everything stored about the account, as one JSON-ready document."""
    profile = profile_of(user=user)
    history = ResumePosition.objects.filter(viewer_key=viewer_key_for(user=user)).select_related("movie").order_by("-updated_at")
    return {
        "exported_at": timezone.now(),
        "profile": {
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "email_verified_at": profile.email_verified_at if profile else None,
        },
        "my_list": [
            {"movie_id": item.movie_id, "title": _title(item.movie), "added_at": item.added_at}
            for item in MyListItem.objects.filter(user=user).select_related("movie").order_by("-added_at")
        ],
        "history": [
            {
                "movie_id": p.movie_id,
                "title": _title(p.movie),
                "position": p.position,
                "duration": p.duration,
                "watched": p.watched,
                "last_watched_at": p.updated_at,
            }
            for p in history
        ],
        "sessions": [
            {"signed_in_at": s.created_at, "user_agent": s.user_agent, "ip_address": s.ip_address, "remember": s.remember}
            for s in active_sessions(user=user)
        ],
        "events_summary": events_summary(user=user),
    }
