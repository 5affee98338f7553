"""Idle sessions closed by the server, retention purge, the analytics endpoints, the editors' admin."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db.backends.postgresql.psycopg_any import NumericRange
from django.db.models import Sum
from django.utils import timezone

from activity.models import MovieDailyStats, OutboxEvent, OutboxSent, OutboxUnsent, PlaybackSession, ProcessedEvent
from activity.services import apply_consumed_events, close_idle_sessions, ingest_events, purge_activity
from activity.services.statistics import ConsumedEvent
from tests.activity.conftest import playback
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def test_a_silent_session_is_closed_at_its_last_position_once():
    movie = MovieFactory()
    events = playback(movie.pk, seconds=40, duration=600.0, finish=None)  # the tab was closed: no stop
    ingest_events(events=events)
    finished = playback(movie.pk, seconds=20, viewer_id="other")  # stopped properly
    ingest_events(events=finished)
    assert close_idle_sessions() == 0  # not silent for 5 minutes yet

    later = timezone.now() + timedelta(minutes=6)
    assert close_idle_sessions(now=later) == 1
    assert close_idle_sessions(now=later + timedelta(minutes=1)) == 0
    session = PlaybackSession.objects.get(session_id=events[0]["session_id"])
    assert session.closed_by_server and session.closed_at == later
    stop = OutboxEvent.objects.order_by("-id").first()
    message = json.loads(stop.message)
    assert (message["type"], message["position"], message["reason"], message["closed_by_server"]) == ("stop", 40.0, "user_exit", True)
    assert message["session_id"] == events[0]["session_id"] and message["viewer_id"] == "browser-1"
    assert message["duration"] == 600.0

    # Through the statistics it is just the session's end: the watch time stays what was watched
    # (summed over days: the server's close may fall on the day after the last event).
    messages = [json.loads(row.message) for row in OutboxEvent.objects.filter(session_id=events[0]["session_id"]).order_by("id")]
    apply_consumed_events([ConsumedEvent(m) for m in messages])
    watched = MovieDailyStats.objects.filter(movie=movie).aggregate(total=Sum("watch_seconds"))["total"]
    assert watched == pytest.approx(40.0)


def test_purge_keeps_unsent_rows_and_recent_ones():
    movie = MovieFactory()
    ingest_events(events=playback(movie.pk, seconds=20))
    now = timezone.now()
    rows = list(OutboxEvent.objects.order_by("id"))
    assert [r.id for r in rows[:3]] == list(range(rows[0].id, rows[0].id + 3))
    OutboxEvent.objects.filter(pk__in=[r.pk for r in rows[:3]]).update(created_at=now - timedelta(days=5))
    _confirm([r.id for r in rows[:2]], at=now - timedelta(days=4))
    # Stored long ago but confirmed by Kafka only an hour ago (an outage): kept for the retention.
    _confirm([rows[2].id], at=now - timedelta(hours=1))
    # Unsent for days: never purged.
    OutboxEvent.objects.filter(pk=rows[3].pk).update(created_at=now - timedelta(days=6))
    ProcessedEvent.objects.create(event_id=rows[0].event_id)
    ProcessedEvent.objects.filter(event_id=rows[0].event_id).update(processed_at=now - timedelta(days=31))
    counts = purge_activity(now=now)
    assert counts["outbox"] == 2 and counts["processed_events"] == 1
    assert OutboxEvent.objects.count() == len(rows) - 2
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == len(rows) - 3
    assert OutboxEvent.objects.get(pk=rows[2].pk).sent_at == now - timedelta(hours=1)
    assert [run.ids.lower for run in OutboxSent.objects.all()] == [rows[2].id]  # the purged run went with its rows


def _confirm(ids: list[int], *, at) -> None:
    """What the relay's marking does for consecutive ids Kafka confirmed at `at`."""
    OutboxUnsent.objects.filter(outbox_id__in=ids).delete()
    OutboxSent.objects.create(ids=NumericRange(min(ids), max(ids), "[]"), sent_at=at)


def _stats(movie, days_ago, **values):
    MovieDailyStats.objects.create(movie=movie, day=timezone.now().date() - timedelta(days=days_ago), **values)


def test_analytics_endpoints(api_client):
    a, b = MovieFactory(title="Alpha"), MovieFactory(title="Beta")
    _stats(a, 0, plays=3, watch_seconds=300, unique_viewers=2, starts=4, errors=1)
    _stats(a, 2, plays=1, watch_seconds=100, unique_viewers=1, starts=1)
    _stats(b, 1, plays=5, watch_seconds=50, unique_viewers=5, starts=5, errors=5)
    _stats(b, 30, plays=100, watch_seconds=1, starts=100)  # outside the window

    top = api_client.get("/api/v1/analytics/top-movies?days=7").json()
    assert [(r["title"], r["plays"]) for r in top["results"]] == [("Beta", 5), ("Alpha", 4)]
    top = api_client.get("/api/v1/analytics/top-movies?days=7&metric=watch_seconds&limit=1").json()
    assert [(r["title"], r["watch_seconds"]) for r in top["results"]] == [("Alpha", 400.0)]

    watch = api_client.get("/api/v1/analytics/watch-time?days=3").json()["results"]
    assert [r["watch_seconds"] for r in watch] == [100.0, 50.0, 300.0]  # oldest first, every day present
    watch = api_client.get(f"/api/v1/analytics/watch-time?days=3&movie_id={a.pk}").json()["results"]
    assert [r["watch_seconds"] for r in watch] == [100.0, 0.0, 300.0]

    errors = api_client.get("/api/v1/analytics/error-rate?days=2").json()["results"]
    assert [(r["errors"], r["starts"], r["error_rate"]) for r in errors] == [(5, 5, 1.0), (1, 4, 0.25)]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/analytics/top-movies?days=0",
        "/api/v1/analytics/top-movies?days=abc",
        "/api/v1/analytics/top-movies?limit=1000",
        "/api/v1/analytics/top-movies?metric=salary",
        "/api/v1/analytics/watch-time?days=366",
        "/api/v1/analytics/error-rate?movie_id=x",
    ],
)
def test_analytics_bad_parameters_are_400(api_client, url):
    response = api_client.get(url)
    assert response.status_code == 400
    assert response.json()


def test_editors_read_statistics_and_backlog_in_the_admin_but_cannot_change_them(client, editor):
    movie = MovieFactory(title="Gamma")
    _stats(movie, 0, plays=7, watch_seconds=7200)
    ingest_events(events=playback(movie.pk, seconds=20))
    client.force_login(editor)
    page = client.get("/admin/activity/moviedailystats/")
    assert page.status_code == 200 and b"Gamma" in page.content and b"2.0" in page.content
    stats = MovieDailyStats.objects.get()
    assert client.get(f"/admin/activity/moviedailystats/{stats.pk}/change/").status_code == 200
    assert client.post(f"/admin/activity/moviedailystats/{stats.pk}/change/", {"plays": 0}).status_code == 403
    assert client.get("/admin/activity/moviedailystats/add/").status_code == 403
    backlog = client.get("/admin/activity/outboxevent/")
    assert backlog.status_code == 200
    assert b"not yet confirmed by Kafka" in backlog.content
    assert client.get("/admin/activity/outboxevent/?sent=no").status_code == 200


def test_viewers_without_staff_rights_do_not_get_the_admin(client, viewer):
    client.force_login(viewer)
    assert client.get("/admin/activity/moviedailystats/").status_code == 302
