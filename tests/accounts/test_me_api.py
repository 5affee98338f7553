"""The account's own data under /api/v1/me/: the anonymous merge at sign-in, continue watching on every
device, my list, history, export and deletion."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import MyListItem, Profile, UserSession
from activity.models import PlaybackSession, ResumePosition
from tests.accounts.conftest import PASSWORD, position, utc, viewer_account
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_in(client, email="me@example.com", *, viewer_id=None):
    headers = {"HTTP_X_VIEWER_ID": viewer_id} if viewer_id else {}
    response = client.post("/api/v1/auth/sign-in", {"email": email, "password": PASSWORD}, format="json", **headers)
    assert response.status_code == 200, response.content
    return response.json()["user"]


def continue_watching(client, **headers):
    return [(row["movie"]["id"], row["position"]) for row in client.get("/api/v1/me/continue-watching", **headers).json()["results"]]


@pytest.fixture
def me(db):
    return viewer_account("me@example.com")


@pytest.fixture
def movies(db):
    return [MovieFactory(title=f"Film {n}") for n in range(3)]


# --- merging the browser's anonymous viewing -----------------------------------------------------


def test_sign_in_merges_the_browsers_positions_once_keeping_the_newer_per_movie(api, me, movies):
    a, b, c = movies
    user_key = f"user:{me.pk}"
    position("anon:browser-1", a, seconds=120, at=utc(2026, 5, 2))  # newer than the account's
    position("anon:browser-1", b, seconds=60, at=utc(2026, 5, 1))  # older than the account's
    position("anon:browser-1", c, seconds=300, at=utc(2026, 5, 3))  # the account has none
    position(user_key, a, seconds=30, at=utc(2026, 5, 1))
    position(user_key, b, seconds=200, at=utc(2026, 5, 2))
    position("anon:someone-else", a, seconds=500, at=utc(2026, 5, 9))

    sign_in(api, viewer_id="browser-1")
    mine = {p.movie_id: p.position for p in ResumePosition.objects.filter(viewer_key=user_key)}
    assert mine == {a.pk: 120, b.pk: 200, c.pk: 300}
    assert not ResumePosition.objects.filter(viewer_key="anon:browser-1").exists()
    assert ResumePosition.objects.get(viewer_key="anon:someone-else").position == 500

    # Signing in again from the same browser changes nothing: no duplicates, nothing re-added.
    api.post("/api/v1/auth/sign-out")
    sign_in(api, viewer_id="browser-1")
    assert ResumePosition.objects.filter(viewer_key=user_key).count() == 3


def test_an_entry_removed_from_history_does_not_come_back_at_the_next_sign_in(api, me, movies):
    position("anon:browser-1", movies[0], seconds=120, at=utc(2026, 5, 2))
    sign_in(api, viewer_id="browser-1")
    assert api.delete(f"/api/v1/me/history/{movies[0].pk}").status_code == 204
    api.post("/api/v1/auth/sign-out")
    sign_in(api, viewer_id="browser-1")
    assert api.get("/api/v1/me/history").json()["count"] == 0


def test_sign_in_without_a_viewer_id_merges_nothing_and_a_malformed_one_is_a_400(api, me, movies):
    position("anon:browser-1", movies[0], seconds=120, at=utc(2026, 5, 2))
    sign_in(api)
    assert ResumePosition.objects.filter(viewer_key="anon:browser-1").exists()
    bad = APIClient().post("/api/v1/auth/sign-in", {"email": "me@example.com", "password": PASSWORD}, format="json",
                           HTTP_X_VIEWER_ID="not valid!")
    assert bad.status_code == 400


def _event(movie_id: int, *, type: str, position: float, session: str, at: datetime) -> dict:
    return {"event_id": str(uuid.uuid4()), "type": type, "movie_id": movie_id, "session_id": session,
            "viewer_id": "browser-1", "position": position, "duration": 600,
            "occurred_at": at.isoformat().replace("+00:00", "Z")}


def test_continue_watching_follows_the_account_to_another_device(api, me, movies):
    """Anonymous viewing on the laptop, then sign-in there; the phone signs in and sees the same list;
    events sent while signed in are stored under the account."""
    laptop = api
    now = datetime.now(timezone.utc)
    session = str(uuid.uuid4())
    batch = [_event(movies[0].pk, type="play", position=0, session=session, at=now - timedelta(seconds=70)),
             _event(movies[0].pk, type="progress", position=60, session=session, at=now - timedelta(seconds=10))]
    assert laptop.post("/api/v1/activity/events", {"events": batch}, format="json", HTTP_X_VIEWER_ID="browser-1").status_code == 202
    assert continue_watching(laptop, HTTP_X_VIEWER_ID="browser-1") == [(movies[0].pk, 60.0)]

    sign_in(laptop, viewer_id="browser-1")
    phone = APIClient()
    sign_in(phone)
    assert continue_watching(phone) == [(movies[0].pk, 60.0)]

    # The phone watches another film while signed in: the laptop sees it too, and the browser id means nothing.
    session = str(uuid.uuid4())
    batch = [_event(movies[1].pk, type="progress", position=90, session=session, at=now - timedelta(seconds=1))]
    assert phone.post("/api/v1/activity/events", {"events": batch}, format="json", HTTP_X_VIEWER_ID="phone-browser").status_code == 202
    assert continue_watching(laptop) == [(movies[1].pk, 90.0), (movies[0].pk, 60.0)]
    assert not ResumePosition.objects.filter(viewer_key="anon:phone-browser").exists()


# --- my list ------------------------------------------------------------------------------------


def test_my_list_add_remove_and_order(api, me, movies):
    sign_in(api)
    a, b, c = movies
    assert api.put(f"/api/v1/me/list/{a.pk}").status_code == 201
    assert api.put(f"/api/v1/me/list/{c.pk}").status_code == 201
    assert api.put(f"/api/v1/me/list/{b.pk}").status_code == 201
    again = api.put(f"/api/v1/me/list/{a.pk}")
    assert again.status_code == 200 and again.json()["movie"] == {"id": a.pk, "title": a.title}
    body = api.get("/api/v1/me/list").json()
    assert body["count"] == 3
    assert [row["movie"]["id"] for row in body["results"]] == [b.pk, c.pk, a.pk]  # last added first
    assert api.delete(f"/api/v1/me/list/{c.pk}").status_code == 204
    assert api.delete(f"/api/v1/me/list/{c.pk}").status_code == 204  # already gone: the same outcome
    assert [row["movie"]["id"] for row in api.get("/api/v1/me/list").json()["results"]] == [b.pk, a.pk]


def test_unpublished_and_unknown_movies_cannot_be_listed(api, me, movies):
    sign_in(api)
    hidden = MovieFactory(title="Secret Cut", is_published=False)
    for movie_id in (hidden.pk, 999_999):
        response = api.put(f"/api/v1/me/list/{movie_id}")
        assert response.status_code == 404 and response.json() == {"detail": "Not found.", "code": "not_found"}
    # A movie unpublished after it was saved disappears from the list (and is back when republished).
    api.put(f"/api/v1/me/list/{movies[0].pk}")
    movies[0].is_published = False
    movies[0].save()
    assert api.get("/api/v1/me/list").json()["count"] == 0


def test_each_viewer_has_their_own_list(api, me, movies):
    viewer_account("you@example.com")
    you = APIClient()
    sign_in(you, "you@example.com")
    sign_in(api)
    api.put(f"/api/v1/me/list/{movies[0].pk}")
    assert you.get("/api/v1/me/list").json()["count"] == 0


# --- history ------------------------------------------------------------------------------------


def test_history_lists_what_was_watched_how_far_and_when(api, me, movies):
    key = f"user:{me.pk}"
    position(key, movies[0], seconds=300, at=utc(2026, 5, 1), duration=600)
    ResumePosition.objects.create(viewer_key=key, movie=movies[1], position=590, duration=600, watched=True,
                                  occurred_at=utc(2026, 5, 2), updated_at=utc(2026, 5, 2))
    sign_in(api)
    rows = api.get("/api/v1/me/history").json()["results"]
    assert [(r["movie"]["id"], r["position"], r["progress"], r["watched"]) for r in rows] == [
        (movies[1].pk, 590.0, 0.9833, True),
        (movies[0].pk, 300.0, 0.5, False),
    ]
    assert rows[0]["last_watched_at"] == "2026-05-02T00:00:00Z"

    assert api.delete(f"/api/v1/me/history/{movies[1].pk}").status_code == 204
    assert [r["movie"]["id"] for r in api.get("/api/v1/me/history").json()["results"]] == [movies[0].pk]
    assert api.delete("/api/v1/me/history").status_code == 204
    assert api.get("/api/v1/me/history").json()["count"] == 0
    assert not ResumePosition.objects.filter(viewer_key=key).exists()


# --- export and deletion --------------------------------------------------------------------------


def test_export_is_a_json_download_of_everything_stored(api, me, movies):
    key = f"user:{me.pk}"
    position(key, movies[0], seconds=300, at=utc(2026, 5, 1))
    PlaybackSession.objects.create(session_id=uuid.uuid4(), viewer_key=key, movie=movies[0], started_at=utc(2026, 5, 1),
                                   last_seen_at=utc(2026, 5, 1, 0, 5), last_position=300)
    sign_in(api)
    api.put(f"/api/v1/me/list/{movies[1].pk}")
    response = api.get("/api/v1/me/export")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "private" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == "me@example.com" and data["profile"]["email_verified_at"]
    assert [(row["movie_id"], row["title"]) for row in data["my_list"]] == [(movies[1].pk, movies[1].title)]
    assert [(row["movie_id"], row["position"]) for row in data["history"]] == [(movies[0].pk, 300.0)]
    assert len(data["sessions"]) == 1
    assert data["events_summary"]["playback_sessions"] == 1
    assert data["events_summary"]["by_movie"][0]["movie_id"] == movies[0].pk


def test_delete_account_needs_the_password_and_removes_everything(api, me, movies):
    key = f"user:{me.pk}"
    position(key, movies[0], seconds=300, at=utc(2026, 5, 1))
    PlaybackSession.objects.create(session_id=uuid.uuid4(), viewer_key=key, movie=movies[0], started_at=utc(2026, 5, 1),
                                   last_seen_at=utc(2026, 5, 1), last_position=300)
    sign_in(api)
    token = api.post("/api/v1/auth/token", {"email": "me@example.com", "password": PASSWORD}, format="json").json()["token"]
    api.put(f"/api/v1/me/list/{movies[1].pk}")

    wrong = api.delete("/api/v1/me/account", {"password": "nope"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    assert api.delete("/api/v1/me/account", {}, format="json").status_code == 400
    assert api.delete("/api/v1/me/account", {"password": PASSWORD}, format="json").status_code == 204

    assert not User.objects.filter(pk=me.pk).exists()
    assert not Profile.objects.exists() and not MyListItem.objects.exists() and not UserSession.objects.exists()
    assert not ResumePosition.objects.filter(viewer_key=key).exists()
    assert not PlaybackSession.objects.filter(viewer_key=key).exists()
    assert not Token.objects.filter(key=token).exists()
    assert api.get("/api/v1/me/account").status_code == 403
    # The address is free again.
    assert api.post("/api/v1/auth/sign-up", {"email": "me@example.com", "password": PASSWORD}, format="json").status_code == 202


def test_staff_accounts_are_not_deleted_through_the_viewer_api(editor):
    client = APIClient()
    client.force_authenticate(editor)
    response = client.delete("/api/v1/me/account", {"password": "correct horse battery staple"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "staff_account"
    assert User.objects.filter(pk=editor.pk).exists()


@pytest.mark.parametrize("method,url", [
    ("get", "/api/v1/me/account"), ("get", "/api/v1/me/list"), ("put", "/api/v1/me/list/1"), ("get", "/api/v1/me/history"),
    ("delete", "/api/v1/me/history"), ("get", "/api/v1/me/export"), ("get", "/api/v1/me/sessions"), ("delete", "/api/v1/me/account"),
])
def test_me_needs_a_signed_in_account(api, method, url):
    response = getattr(api, method)(url)
    assert response.status_code == 403 and "detail" in response.json()
