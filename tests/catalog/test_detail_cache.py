"""The movie and person details from the shared cache (core.cache.shared_part): one shared part for
every viewer, the viewer's own `resume` added per request, and every kind of catalog write making the
cached part stale at once (the same version token as the cached lists)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.activity.conftest import make_event
from tests.factories import CreditFactory, EditorFactory, MovieFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("response_cache")]

MOVIES = "/api/v1/movies/"
PEOPLE = "/api/v1/people/"


def _played(client, movie_id: int, viewer: str, position: float) -> None:
    response = client.post(
        "/api/v1/activity/events", data=json.dumps({"events": [make_event(movie_id, viewer_id=viewer, position=position, duration=1000.0)]}),
        content_type="application/json",
    )
    assert response.status_code == 202, response.content


def _detail(client, movie_id: int, viewer: str | None = None, **extra):
    headers = {"HTTP_X_VIEWER_ID": viewer} if viewer else {}
    return client.get(f"{MOVIES}{movie_id}/", **headers, **extra)


def _queries(request) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.content
    return [query["sql"] for query in captured.captured_queries]


def test_two_viewers_get_their_own_resume_from_one_shared_part(client):
    movie = MovieFactory(title="Shared")
    CreditFactory(movie=movie)
    _played(client, movie.pk, "viewer-a", 300.0)
    _played(client, movie.pk, "viewer-b", 500.0)

    first = _queries(lambda: _detail(client, movie.pk, "viewer-a"))
    assert any('FROM "catalog_movie"' in sql for sql in first)  # the page was assembled
    # The second viewer's answer costs one query: their own resume position.
    second = _queries(lambda: _detail(client, movie.pk, "viewer-b"))
    assert len(second) == 1 and "activity_resumeposition" in second[0]

    a, b = _detail(client, movie.pk, "viewer-a").json(), _detail(client, movie.pk, "viewer-b").json()
    assert (a["resume"]["position"], b["resume"]["position"]) == (300.0, 500.0)
    assert {**a, "resume": None} == {**b, "resume": None} and a["title"] == "Shared"
    # Without a viewer: no query for a resume, and none at all once the whole answer is cached.
    assert _detail(client, movie.pk).json()["resume"] is None
    assert _queries(lambda: _detail(client, movie.pk)) == []


def test_the_etag_and_last_modified_follow_the_viewers_resume(client):
    movie = MovieFactory()
    before = _detail(client, movie.pk, "viewer-a")
    assert before.json()["resume"] is None
    assert _detail(client, movie.pk, "viewer-a", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    _played(client, movie.pk, "viewer-a", 321.5)
    after = _detail(client, movie.pk, "viewer-a", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after.json()["resume"]["position"] == 321.5
    assert after["ETag"] != before["ETag"] and after["Last-Modified"]
    assert "private" in after["Cache-Control"] and "X-Viewer-Id" in after["Vary"]
    # Another viewer still matches the first ETag: their part did not change.
    assert _detail(client, movie.pk, "viewer-b", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


def test_language_variants_are_cached_apart(client):
    from tests.factories import OverrideFactory

    movie = MovieFactory(language="en", partner_description="partner text")
    OverrideFactory(movie=movie, language="ru", text="русский текст")
    for _ in range(2):  # the second round comes from the cache
        own, russian = _detail(client, movie.pk, "v").json(), client.get(f"{MOVIES}{movie.pk}/?lang=ru", HTTP_X_VIEWER_ID="v").json()
        assert (own["description"], own["override"]) == ("partner text", None)
        assert (russian["description"], russian["override"]["text"], russian["description_language"]) == ("русский текст", "русский текст", "ru")


def _cached_for_everyone(client, movie_id: int) -> dict:
    """The detail as a viewer and as an anonymous client see it, both now in the cache."""
    for _ in range(2):
        with_viewer, anonymous = _detail(client, movie_id, "viewer-a"), _detail(client, movie_id)
    assert anonymous["X-Cache"] == "hit"
    return with_viewer.json()


def _both_see(client, movie_id: int) -> tuple[dict, dict]:
    return _detail(client, movie_id, "viewer-a").json(), _detail(client, movie_id).json()


def test_an_override_written_through_the_api_is_shown_at_once(client, editor_client):
    movie = MovieFactory(language="en", partner_description="partner")
    assert _cached_for_everyone(client, movie.pk)["description"] == "partner"
    response = editor_client.post("/api/v1/overrides/", {"movie": movie.pk, "language": "en", "text": "editor's"}, format="json")
    assert response.status_code == 201, response.content
    for body in _both_see(client, movie.pk):
        assert (body["description"], body["source_used"], body["override"]["text"]) == ("editor's", "override", "editor's")


def test_an_admin_edit_is_shown_at_once(client):
    movie = MovieFactory(title="Old title")
    assert _cached_for_everyone(client, movie.pk)["title"] == "Old title"
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:catalog_movie_change", args=[movie.pk])
    page = admin.get(url)
    data = {key: value for key, value in page.context["adminform"].form.initial.items() if value is not None}
    data.update(_inline_management_data(page))
    data.update({"title": "New title", "countries": ""})
    response = admin.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert [body["title"] for body in _both_see(client, movie.pk)] == ["New title", "New title"]


def test_an_etl_run_is_shown_at_once(client, tmp_path):
    from catalog.models import Movie
    from etl.services import etl_run
    from tests.etl.records import actor, movie

    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([movie(7, "Solaris", actors=[actor(1, "Natalya Bondarchuk")])]))
    etl_run(partner_source=str(feed), cms_source=None)
    movie_id = Movie.objects.get(external_id=7).pk
    assert [c["person"]["full_name"] for c in _cached_for_everyone(client, movie_id)["credits"]] == ["Natalya Bondarchuk"]
    feed.write_text(json.dumps([movie(7, "Solaris (restored)", actors=[actor(1, "Natalya Bondarchuk"), actor(2, "Donatas Banionis")])]))
    etl_run(partner_source=str(feed), cms_source=None)  # SQL merges: no per-row signals
    for body in _both_see(client, movie_id):
        assert body["title"] == "Solaris (restored)"
        assert sorted(c["person"]["full_name"] for c in body["credits"]) == ["Donatas Banionis", "Natalya Bondarchuk"]


@pytest.mark.parametrize("how", ["save", "admin action"])
def test_an_unpublished_movie_is_missing_at_once_and_looks_like_a_missing_one(client, how):
    movie = MovieFactory()
    _cached_for_everyone(client, movie.pk)
    if how == "save":
        movie.is_published = False
        movie.save()
    else:
        admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
        response = admin.post(reverse("admin:catalog_movie_changelist"), {"action": "unpublish", "_selected_action": [movie.pk]})
        assert response.status_code == 302
    missing_id = movie.pk + 1000
    missing = _detail(client, missing_id)
    for viewer in ("viewer-a", None):
        hidden = _detail(client, movie.pk, viewer)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content.decode().replace(str(movie.pk), "ID") == missing.content.decode().replace(str(missing_id), "ID")
        assert hidden.get("ETag") is None and hidden.get("X-Cache") != "hit"
    # Published again: back at once.
    movie.is_published = True
    movie.save()
    assert [_detail(client, movie.pk, viewer).status_code for viewer in ("viewer-a", None)] == [200, 200]


def test_staff_see_unpublished_movies_and_never_fill_the_public_cache(client):
    hidden = MovieFactory(is_published=False, title="Secret Cut")
    shown = MovieFactory(title="Shown")
    editor = client_for(EditorFactory(username="ed"))
    assert editor.get(f"{MOVIES}{hidden.pk}/", HTTP_X_VIEWER_ID="viewer-a").json()["title"] == "Secret Cut"
    assert _detail(client, hidden.pk, "viewer-a").status_code == 404
    assert _detail(client, hidden.pk).status_code == 404
    # Staff read the page fresh each time (no shared part): the page's queries run again.
    editor.get(f"{MOVIES}{shown.pk}/")
    assert any('FROM "catalog_movie"' in sql for sql in _queries(lambda: editor.get(f"{MOVIES}{shown.pk}/")))


def test_the_person_detail_is_cached_and_follows_the_writes(client):
    person = PersonFactory(full_name="Actor")
    movie = MovieFactory(title="First")
    CreditFactory(person=person, movie=movie, role_name="Hero")
    url = f"{PEOPLE}{person.pk}/"
    client.get(url, HTTP_X_VIEWER_ID="viewer-a")
    assert _queries(lambda: client.get(url, HTTP_X_VIEWER_ID="viewer-a")) == []  # a viewer's request, from the shared part
    movie.title = "Renamed"
    movie.save()
    assert [c["movie"]["title"] for c in client.get(url, HTTP_X_VIEWER_ID="viewer-a").json()["filmography"]] == ["Renamed"]
    movie.is_published = False
    movie.save()
    for headers in ({"HTTP_X_VIEWER_ID": "viewer-a"}, {}):
        body = client.get(url, **headers).json()
        assert body["filmography"] == [] and body["filmography_by_job"] == []
    editor = client_for(EditorFactory(username="ed"))
    assert [c["movie"]["title"] for c in editor.get(url).json()["filmography"]] == ["Renamed"]
    assert client.get(url).json()["filmography"] == []
    assert client.get(f"{PEOPLE}{person.pk + 1000}/").status_code == 404


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _inline_management_data(page) -> dict:
    from tests.test_admin import _inline_management_data as management_data

    return management_data(page)
