"""/api/v1/overrides: public reads, editor-only writes, immediate effect, history."""

from __future__ import annotations

import pytest

from overrides.models import DescriptionOverride
from tests.factories import CmsDescriptionFactory, MovieFactory, OverrideFactory

pytestmark = pytest.mark.django_db

OVERRIDES = "/api/v1/overrides/"


def test_everyone_can_read(api_client):
    OverrideFactory(text="public")
    assert api_client.get(OVERRIDES).json()["results"][0]["text"] == "public"


def test_anonymous_and_viewers_cannot_write(api_client, viewer):
    movie = MovieFactory()
    payload = {"movie": movie.pk, "language": "en", "text": "nope"}
    assert api_client.post(OVERRIDES, payload, format="json").status_code in (401, 403)
    api_client.force_authenticate(viewer)
    assert api_client.post(OVERRIDES, payload, format="json").status_code == 403
    assert not DescriptionOverride.objects.exists()


def test_editor_override_is_visible_in_the_catalog_at_once(editor_client, api_client):
    movie = MovieFactory(language="en", partner_description="partner")
    CmsDescriptionFactory(movie=movie, language="en", text="cms")
    response = editor_client.post(OVERRIDES, {"movie": movie.pk, "language": "en", "text": "  editor text  "}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["author"] == "editor"
    body = api_client.get(f"/api/v1/movies/{movie.pk}/").json()
    assert (body["description"], body["source_used"]) == ("editor text", "override")
    movie.refresh_from_db()
    assert (movie.description, movie.source_used) == ("editor text", "override")


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_override_is_refused(editor_client, text):
    movie = MovieFactory()
    response = editor_client.post(OVERRIDES, {"movie": movie.pk, "language": "en", "text": text}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_second_override_for_the_same_language_is_refused(editor_client):
    existing = OverrideFactory()
    response = editor_client.post(
        OVERRIDES, {"movie": existing.movie_id, "language": existing.language, "text": "again"}, format="json"
    )
    assert response.status_code == 400
    assert "language" in response.json()


def test_bad_fields_get_field_messages(editor_client):
    response = editor_client.post(OVERRIDES, {"movie": 999999, "language": "English", "text": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"movie", "language"}


def test_update_and_delete_keep_history_and_fall_back(editor_client, editor, api_client):
    movie = MovieFactory(language="en", partner_description="partner")
    created = editor_client.post(OVERRIDES, {"movie": movie.pk, "language": "en", "text": "first"}, format="json").json()
    assert editor_client.patch(f"{OVERRIDES}{created['id']}/", {"text": "second"}, format="json").status_code == 200
    assert editor_client.patch(f"{OVERRIDES}{created['id']}/", {"language": "ru"}, format="json").status_code == 400
    assert editor_client.delete(f"{OVERRIDES}{created['id']}/").status_code == 204
    body = api_client.get(f"/api/v1/movies/{movie.pk}/").json()
    assert (body["description"], body["source_used"]) == ("partner", "partner")
    history = DescriptionOverride.history.filter(movie_id=movie.pk).order_by("history_date")
    assert [(h.history_type, h.text, h.history_user) for h in history] == [
        ("+", "first", editor), ("~", "second", editor), ("-", "second", editor)
    ]
