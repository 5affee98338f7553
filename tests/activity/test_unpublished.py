"""For anyone but staff an unpublished movie is answered exactly like a missing one in every activity
endpoint: events naming it are `unknown_movie`, analytics count nothing for it (totals included),
continue watching leaves it out. Integer ids only; the schema states the bounds the server enforces."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from activity.models import MovieDailyStats, OutboxEvent, ResumePosition
from tests.activity.conftest import make_event
from tests.factories import MovieFactory, UserFactory

URL = "/api/v1/activity/events"
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = APIClient()
    client.force_login(UserFactory(is_staff=True))
    return client


def post(client, *events):
    response = client.post(URL, data=json.dumps({"events": list(events)}), content_type="application/json")
    assert response.status_code == 202, response.content
    return response.json()["results"]


def test_an_event_naming_an_unpublished_movie_is_answered_like_a_missing_one(api_client, viewer):
    hidden = MovieFactory(is_published=False)
    missing_id = hidden.pk + 1000
    for client in (api_client, _logged_in(viewer)):
        on_hidden = post(client, make_event(hidden.pk))
        on_missing = post(client, make_event(missing_id))
        assert (on_hidden[0]["status"], on_hidden[0]["code"]) == (on_missing[0]["status"], on_missing[0]["code"]) == ("rejected", "unknown_movie")
        assert on_hidden[0]["reason"].replace(str(hidden.pk), "N") == on_missing[0]["reason"].replace(str(missing_id), "N")
    assert not OutboxEvent.objects.exists() and not ResumePosition.objects.exists()


def test_staff_may_send_events_for_an_unpublished_movie(staff_client):
    hidden = MovieFactory(is_published=False)
    assert post(staff_client, make_event(hidden.pk))[0]["status"] == "accepted"


def _logged_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _stats(movie, **values):
    MovieDailyStats.objects.create(movie=movie, day=timezone.now().date() - timedelta(days=1), **values)


def test_analytics_count_only_published_movies_for_the_public(api_client, staff_client):
    shown, hidden = MovieFactory(title="Shown"), MovieFactory(title="Hidden", is_published=False)
    _stats(shown, plays=2, watch_seconds=20, starts=2, errors=1, unique_viewers=2)
    _stats(hidden, plays=50, watch_seconds=500, starts=50, errors=50, unique_viewers=50)
    missing_id = hidden.pk + 1000

    def get(client, path):
        response = client.get(path)
        assert response.status_code == 200, response.content
        return response.json()

    for path in ("watch-time", "error-rate"):
        totals = get(api_client, f"/api/v1/analytics/{path}?days=2")["results"]
        assert sum(r["starts" if path == "error-rate" else "plays"] for r in totals) == 2
        on_hidden = get(api_client, f"/api/v1/analytics/{path}?days=2&movie_id={hidden.pk}")
        on_missing = get(api_client, f"/api/v1/analytics/{path}?days=2&movie_id={missing_id}")
        assert on_hidden["results"] == on_missing["results"]
        assert all(r.get("plays", 0) == 0 and r.get("starts", 0) == 0 for r in on_hidden["results"])
    top = get(api_client, "/api/v1/analytics/top-movies?days=2")["results"]
    assert [r["title"] for r in top] == ["Shown"]
    # Staff see every movie's statistics.
    staff_totals = get(staff_client, "/api/v1/analytics/watch-time?days=2")["results"]
    assert sum(r["plays"] for r in staff_totals) == 52
    assert sum(r["plays"] for r in get(staff_client, f"/api/v1/analytics/watch-time?days=2&movie_id={hidden.pk}")["results"]) == 50


def test_continue_watching_leaves_out_unpublished_movies(api_client):
    movie = MovieFactory()
    post(api_client, make_event(movie.pk, position=300.0, duration=1000.0))
    assert len(api_client.get("/api/v1/me/continue-watching", HTTP_X_VIEWER_ID="browser-1").json()["results"]) == 1
    movie.is_published = False
    movie.save()
    assert api_client.get("/api/v1/me/continue-watching", HTTP_X_VIEWER_ID="browser-1").json()["results"] == []


@pytest.mark.parametrize("movie_id", [1.5, "1", True])
def test_movie_ids_must_be_integers(api_client, movie_id):
    movie = MovieFactory()
    results = post(api_client, {**make_event(movie.pk), "movie_id": movie_id if movie_id != 1.5 else movie.pk + 0.5})
    assert results[0]["status"] == "rejected" and results[0]["code"] == "invalid" and "movie_id" in results[0]["reason"]


def test_an_integral_float_movie_id_is_refused_too(api_client):
    movie = MovieFactory()
    body = json.dumps({"events": [make_event(movie.pk)]}).replace(f'"movie_id": {movie.pk}', f'"movie_id": {movie.pk}.0')
    response = api_client.post(URL, data=body, content_type="application/json")
    result = response.json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "invalid") and "integer" in result["reason"]
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize("value", ["７", "+7", " 7", "7_0", "7.0", "1e1"])
def test_query_integers_are_ascii_digits_only(api_client, value):
    response = api_client.get("/api/v1/analytics/watch-time", {"days": value})
    assert response.status_code == 400 and "days" in response.json()


def test_the_schema_states_the_enforced_bounds(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]

    def parameter(path, name):
        return next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)

    for path in ("/api/v1/analytics/watch-time", "/api/v1/analytics/error-rate", "/api/v1/analytics/top-movies"):
        days = parameter(path, "days")["schema"]
        assert (days["minimum"], days["maximum"]) == (1, 365)
    for path in ("/api/v1/analytics/watch-time", "/api/v1/analytics/error-rate"):
        assert parameter(path, "movie_id")["schema"]["minimum"] == 1
    limit = parameter("/api/v1/analytics/top-movies", "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)
    header = parameter("/api/v1/me/continue-watching", "X-Viewer-Id")
    assert header["in"] == "header" and header["required"] is True and header["schema"]["maxLength"] == 64
