"""/api/v1/analytics/overview, /qoe and /retention: figures, bounds, and unpublished movies hidden."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from analytics.services import record_events
from tests.analytics.helpers import Session
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def today_start() -> datetime:
    return datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(minutes=5)


def sessions_for(movie, *, start: datetime) -> list[Session]:
    """Four sessions of a 100 s film: watched to the end with a 3 s stall, exit before the first
    frame, a fatal error after 20 s, and 0-30 with a seek back to 10 and on to 40."""
    full = Session(movie.pk, duration=100, start=start, viewer_id="v1").play(at=0, rendition="720p")
    full.progress(at=1, position=0.5, startup_time=1.0)
    full.progress(at=54, position=50, stalls=[full.stall(at=20, duration=3)]).stop(at=104, position=100, reason="finished")
    gone = Session(movie.pk, duration=100, start=start, viewer_id="v2").play(at=0).stop(at=5, position=0)
    failed = Session(movie.pk, duration=100, start=start, viewer_id="v3").play(at=0).progress(at=3, position=0, startup_time=3.0)
    failed.progress(at=23, position=20).event("error", at=24, position=20, error_code="MEDIA_ERR_DECODE", fatal=True)
    seeker = Session(movie.pk, duration=100, start=start, viewer_id="v4").play(at=0).progress(at=2, position=0, startup_time=2.0)
    seeker.progress(at=32, position=30).progress(at=33, position=10).progress(at=63, position=40).stop(at=64, position=40)
    return [full, gone, failed, seeker]


def load(movie, *, start=None):
    start = start or today_start()
    for session in sessions_for(movie, start=start):
        record_events(session.messages(received_at=start))


def test_qoe_of_a_movie(api_client):
    movie = MovieFactory()
    load(movie)
    body = api_client.get(f"/api/v1/analytics/qoe?days=7&movie_id={movie.pk}").json()
    summary = body["summary"]
    assert body["movie_id"] == movie.pk and len(body["results"]) == 7
    assert summary["views"] == 4 and summary["started"] == 3
    assert summary["startup_time_p50"] == pytest.approx(2.0)
    assert summary["startup_time_p95"] == pytest.approx(2.9)  # percentile_cont over 1, 2, 3
    assert summary["startup_failure_percentage"] == pytest.approx(25.0)
    assert summary["playback_failure_percentage"] == pytest.approx(25.0)
    # Played: 100 + 20 + (30 + 30) = 180 s, stalled 3 s.
    assert summary["watch_seconds"] == pytest.approx(180.0)
    assert summary["rebuffer_percentage"] == pytest.approx(300 / 183)
    assert summary["rebuffer_frequency"] == pytest.approx(1 / (183 / 60))
    assert summary["completion_rate"] == pytest.approx(100 / 3)
    assert body["results"][-1]["views"] == 4 and body["results"][0]["views"] == 0
    assert body["results"][0]["startup_time_p50"] is None
    assert {r["rendition"] for r in body["renditions"]} == {"720p", "unknown"}


def test_retention_of_a_movie(api_client):
    movie = MovieFactory()
    load(movie)
    body = api_client.get(f"/api/v1/analytics/retention?movie_id={movie.pk}").json()
    assert body["sessions"] == 3 and body["duration"] == 100 and body["title"] == movie.title
    watching = {p["percent"]: p["watching"] for p in body["points"]}
    assert watching[0] == pytest.approx(100)
    assert watching[25] == pytest.approx(200 / 3)  # full and seeker (failed stopped at 20)
    assert watching[50] == pytest.approx(100 / 3)
    assert watching[100] == pytest.approx(100 / 3)
    rewatched = {p["percent"]: p["rewatched"] for p in body["points"]}
    assert rewatched[10] == pytest.approx(100 / 3) and rewatched[50] == 0 and rewatched[100] is None
    assert body["completion_rate"] == pytest.approx(100 / 3)


def test_overview_counts_only_published_movies(api_client):
    shown, hidden = MovieFactory(), MovieFactory(is_published=False)
    load(shown)
    load(hidden)
    body = api_client.get("/api/v1/analytics/overview?days=30").json()
    assert body["summary"]["views"] == 4
    assert [m["movie_id"] for m in body["movies"]] == [shown.pk]
    assert api_client.get("/api/v1/analytics/qoe").json()["summary"]["views"] == 4


def test_an_unpublished_movie_is_answered_like_a_missing_one(api_client, editor_client):
    hidden = MovieFactory(is_published=False)
    load(hidden)
    missing = hidden.pk + 1000
    for path in ("qoe?movie_id={}", "retention?movie_id={}"):
        unpublished = api_client.get("/api/v1/analytics/" + path.format(hidden.pk))
        absent = api_client.get("/api/v1/analytics/" + path.format(missing))
        assert unpublished.status_code == absent.status_code == 404
        assert unpublished.json() == absent.json()
        assert "detail" in absent.json()
        assert editor_client.get("/api/v1/analytics/" + path.format(hidden.pk)).status_code == 200
    assert editor_client.get(f"/api/v1/analytics/qoe?movie_id={hidden.pk}").json()["summary"]["views"] == 4


def test_old_sessions_fall_outside_the_period(api_client):
    movie = MovieFactory()
    load(movie, start=today_start() - timedelta(days=10))
    assert api_client.get("/api/v1/analytics/qoe?days=7").json()["summary"]["views"] == 0
    assert api_client.get("/api/v1/analytics/qoe?days=11").json()["summary"]["views"] == 4


@pytest.mark.parametrize(
    "query",
    ["qoe?days=0", "qoe?days=366", "qoe?days=x", "qoe?movie_id=0", "retention", "retention?movie_id=abc", "overview?limit=101"],
)
def test_bad_parameters_are_400_with_a_detail(api_client, query):
    response = api_client.get("/api/v1/analytics/" + query)
    assert response.status_code == 400
    assert "detail" in response.json()


def test_empty_figures(api_client):
    body = api_client.get("/api/v1/analytics/overview").json()
    assert body["summary"]["views"] == 0 and body["summary"]["rebuffer_percentage"] is None
    assert body["movies"] == [] and body["renditions"] == []


def test_schema_documents_the_endpoints_with_bounds(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    qoe = schema["paths"]["/api/v1/analytics/qoe"]["get"]
    days = next(p for p in qoe["parameters"] if p["name"] == "days")
    assert days["schema"]["minimum"] == 1 and days["schema"]["maximum"] == 365
    retention = schema["paths"]["/api/v1/analytics/retention"]["get"]
    assert next(p for p in retention["parameters"] if p["name"] == "movie_id")["required"] is True
    assert "/api/v1/analytics/overview" in schema["paths"]
