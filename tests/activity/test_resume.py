"""Resume positions: written at ingest, the 5% / 90% / finished rules, continue watching, movie detail."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from rest_framework.test import APIClient

from activity.models import ResumePosition
from activity.selectors import is_resumable
from tests.activity.conftest import make_event
from tests.factories import MovieFactory

URL = "/api/v1/activity/events"
pytestmark = pytest.mark.django_db


def send(client, *events):
    response = client.post(URL, data=json.dumps({"events": list(events)}), content_type="application/json")
    assert response.status_code == 202, response.content
    assert response.json()["rejected"] == 0, response.json()
    return response


def continue_watching(client, viewer="browser-1"):
    response = client.get("/api/v1/me/continue-watching", HTTP_X_VIEWER_ID=viewer)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize(
    "position, duration, watched, expected",
    [
        (0, 1000, False, False),
        (49, 1000, False, False),  # under 5%
        (50, 1000, False, True),
        (899, 1000, False, True),
        (900, 1000, False, False),  # 90%: watched
        (500, 1000, True, False),  # stopped as finished
        (30, None, False, False),
        (120, None, False, True),  # unknown duration: past a minute
    ],
)
def test_resume_rules(position, duration, watched, expected):
    assert is_resumable(position=position, duration=duration, watched=watched) is expected


def test_continue_watching_lists_unfinished_films_last_played_first():
    a, b, c, d = MovieFactory.create_batch(4)
    client = APIClient()
    send(client, make_event(a.pk, position=300.0, duration=1000.0))
    send(client, make_event(b.pk, position=10.0, duration=1000.0))  # under 5%
    send(client, make_event(c.pk, position=950.0, duration=1000.0))  # past 90%
    send(client, make_event(d.pk, position=400.0, duration=1000.0))
    results = continue_watching(client)
    assert [r["movie"]["id"] for r in results] == [d.pk, a.pk]
    assert results[1] == {**results[1], "position": 300.0, "duration": 1000.0, "progress": 0.3}
    send(client, make_event(a.pk, position=320.0, duration=1000.0))
    assert [r["movie"]["id"] for r in continue_watching(client)] == [a.pk, d.pk]
    assert continue_watching(client, viewer="someone-else") == []


def test_stop_finished_marks_watched_and_a_new_play_starts_over():
    movie = MovieFactory()
    client = APIClient()
    send(client, make_event(movie.pk, position=500.0, duration=1000.0))
    send(client, make_event(movie.pk, type="stop", reason="finished", position=600.0, duration=1000.0))
    assert continue_watching(client) == []
    assert ResumePosition.objects.get().watched
    send(client, make_event(movie.pk, type="play", position=0.0, duration=1000.0))
    assert not ResumePosition.objects.get().watched
    send(client, make_event(movie.pk, position=200.0))  # duration omitted: the stored one applies
    assert [r["position"] for r in continue_watching(client)] == [200.0]
    send(client, make_event(movie.pk, position=950.0))  # past 90% of the stored duration
    assert continue_watching(client) == []


def test_an_older_event_does_not_overwrite_a_newer_position():
    movie = MovieFactory()
    client = APIClient()
    now = datetime.now(timezone.utc)
    send(client, make_event(movie.pk, position=400.0, duration=1000.0, occurred_at=now))
    send(client, make_event(movie.pk, position=100.0, duration=1000.0, occurred_at=now - timedelta(minutes=1)))
    assert ResumePosition.objects.get().position == 400.0


def test_last_event_of_a_batch_wins():
    movie = MovieFactory()
    now = datetime.now(timezone.utc)
    send(APIClient(), *[make_event(movie.pk, position=float(p), duration=1000.0, occurred_at=now - timedelta(seconds=100 - p)) for p in (60, 70, 80)])
    assert ResumePosition.objects.get().position == 80.0


def test_logged_in_user_resumes_on_any_device_and_anonymous_ids_stay_apart(viewer):
    movie = MovieFactory()
    phone, laptop = APIClient(), APIClient()
    phone.force_login(viewer)
    laptop.force_login(viewer)
    send(phone, make_event(movie.pk, viewer_id="phone-anon", position=300.0, duration=1000.0))
    assert [r["movie"]["id"] for r in laptop.get("/api/v1/me/continue-watching").json()["results"]] == [movie.pk]
    assert continue_watching(APIClient(), viewer="phone-anon") == []


def test_continue_watching_needs_a_viewer_and_a_valid_header():
    client = APIClient()
    response = client.get("/api/v1/me/continue-watching")
    assert response.status_code == 400 and "X-Viewer-Id" in response.json()["detail"]
    response = client.get("/api/v1/me/continue-watching", HTTP_X_VIEWER_ID="bad id with spaces")
    assert response.status_code == 400 and "X-Viewer-Id" in json.dumps(response.json())
    response = client.get("/api/v1/me/continue-watching?limit=abc", HTTP_X_VIEWER_ID="v")
    assert response.status_code == 400


def test_unpublished_movies_leave_continue_watching():
    movie = MovieFactory()
    client = APIClient()
    send(client, make_event(movie.pk, position=300.0, duration=1000.0))
    movie.is_published = False
    movie.save()
    assert continue_watching(client) == []


def test_movie_detail_carries_the_viewers_resume_and_keeps_etag_right():
    movie = MovieFactory()
    client = APIClient()
    url = f"/api/v1/movies/{movie.pk}/"
    first = client.get(url, HTTP_X_VIEWER_ID="browser-1")
    assert first.status_code == 200 and first.json()["resume"] is None
    assert "X-Viewer-Id" in first["Vary"] and "Cookie" in first["Vary"]
    etag = first["ETag"]
    assert client.get(url, HTTP_X_VIEWER_ID="browser-1", HTTP_IF_NONE_MATCH=etag).status_code == 304

    send(client, make_event(movie.pk, position=321.5, duration=1000.0))
    after = client.get(url, HTTP_X_VIEWER_ID="browser-1", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200  # the body changed, so did the ETag
    resume = after.json()["resume"]
    assert resume["position"] == 321.5 and resume["duration"] == 1000.0 and resume["updated_at"]
    assert after["ETag"] != etag
    # Another viewer (or nobody) sees no resume; a malformed header is ignored here, not an error.
    assert client.get(url, HTTP_X_VIEWER_ID="other").json()["resume"] is None
    assert client.get(url).json()["resume"] is None
    assert client.get(url, HTTP_X_VIEWER_ID="bad id").json()["resume"] is None

    send(client, make_event(movie.pk, type="stop", reason="finished", position=990.0, duration=1000.0))
    assert client.get(url, HTTP_X_VIEWER_ID="browser-1").json()["resume"] is None
