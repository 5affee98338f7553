"""/api/v1/overrides: ETag / If-Match on writes, integer ids only, and unpublished movies answered as missing."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

from overrides.models import DescriptionOverride
from tests.factories import MovieFactory, OverrideFactory

pytestmark = pytest.mark.django_db

OVERRIDES = "/api/v1/overrides/"


@pytest.fixture
def override(editor_client):
    movie = MovieFactory(language="en")
    response = editor_client.post(OVERRIDES, {"movie": movie.pk, "language": "en", "text": "first"}, format="json")
    assert response.status_code == 201
    return response


def test_reads_and_writes_carry_etag_and_last_modified(editor_client, api_client, override):
    url = f"{OVERRIDES}{override.json()['id']}/"
    read = api_client.get(url)
    assert read.status_code == 200 and read["ETag"] == override["ETag"] and read["Last-Modified"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304
    changed = editor_client.patch(url, {"text": "second"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != read["ETag"]
    assert parsedate_to_datetime(changed["Last-Modified"]) >= parsedate_to_datetime(read["Last-Modified"])
    assert api_client.get(url)["ETag"] == changed["ETag"]


@pytest.mark.parametrize("method,body", [("patch", {"text": "late"}), ("put", None), ("delete", None)])
def test_a_write_from_a_stale_read_is_412_with_the_current_text(editor_client, override, method, body):
    url = f"{OVERRIDES}{override.json()['id']}/"
    stale = override["ETag"]
    assert editor_client.patch(url, {"text": "newer"}, format="json", HTTP_IF_MATCH=stale).status_code == 200
    if method == "put":
        body = {"movie": override.json()["movie"], "language": "en", "text": "late"}
    response = getattr(editor_client, method)(url, body, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response.json()["current"]["text"] == "newer" and "detail" in response.json()
    assert DescriptionOverride.objects.get().text == "newer"


@pytest.mark.parametrize("if_match", ['W/"{v}"', '"nonsense"', '"1.1"'])
def test_weak_or_unknown_tags_never_match(editor_client, override, if_match):
    url = f"{OVERRIDES}{override.json()['id']}/"
    tag = if_match.format(v=override["ETag"].strip('"'))
    assert editor_client.patch(url, {"text": "x"}, format="json", HTTP_IF_MATCH=tag).status_code == 412


def test_if_match_star_or_a_list_with_the_current_tag_is_accepted(editor_client, override):
    url = f"{OVERRIDES}{override.json()['id']}/"
    listed = f'"old", {override["ETag"]}'
    first = editor_client.patch(url, {"text": "a"}, format="json", HTTP_IF_MATCH=listed)
    assert first.status_code == 200
    assert editor_client.delete(url, HTTP_IF_MATCH="*").status_code == 204


@pytest.mark.parametrize("movie_id", [1.5, "1.5", True, "１", " 1", "1e0", -1, 0, None, [1], {"id": 1}])
def test_movie_must_be_an_integer_id(editor_client, movie_id):
    MovieFactory(pk=1)
    response = editor_client.post(OVERRIDES, {"movie": movie_id, "language": "en", "text": "x"}, format="json")
    assert response.status_code == 400, (movie_id, response.status_code)
    assert "movie" in response.json()
    assert not DescriptionOverride.objects.exists()


def test_integer_movie_ids_as_numbers_or_ascii_digits_are_accepted(editor_client):
    MovieFactory(pk=7, language="en")
    assert editor_client.post(OVERRIDES, {"movie": 7, "language": "en", "text": "x"}, format="json").status_code == 201
    assert editor_client.post(OVERRIDES, {"movie": "7", "language": "ru", "text": "y"}, format="json").status_code == 201


@pytest.mark.parametrize("path_id", ["1.5", "１", "0x1", "-1"])
def test_a_path_id_that_is_not_ascii_digits_is_404(api_client, path_id):
    OverrideFactory(pk=1)
    response = api_client.get(f"{OVERRIDES}{path_id}/")
    assert response.status_code == 404 and "detail" in response.json()


def test_movie_filter_answers_an_unpublished_movie_like_a_missing_one(api_client, viewer, editor_client):
    hidden = MovieFactory(is_published=False)
    OverrideFactory(movie=hidden, text="hidden override")
    missing = hidden.pk + 1000
    for client in (api_client,):
        a, b = client.get(OVERRIDES, {"movie": hidden.pk}), client.get(OVERRIDES, {"movie": missing})
        assert (a.status_code, a.json()) == (b.status_code, b.json()) == (200, {"count": 0, "count_is_estimate": False, "next": None, "previous": None, "results": []})
    api_client.force_authenticate(viewer)
    assert api_client.get(OVERRIDES, {"movie": hidden.pk}).json() == api_client.get(OVERRIDES, {"movie": missing}).json()
    assert editor_client.get(OVERRIDES, {"movie": hidden.pk}).json()["count"] == 1


@pytest.mark.parametrize("value", ["abc", "1.5", "１"])
def test_movie_filter_rejects_what_is_not_an_id(api_client, value):
    response = api_client.get(OVERRIDES, {"movie": value})
    assert response.status_code == 400 and "movie" in response.json()


def test_an_unpublished_movie_cannot_be_written_to_by_a_non_staff_user_with_the_permission(api_client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(username="perm-only")
    user.user_permissions.add(Permission.objects.get(codename="add_descriptionoverride"))
    api_client.force_authenticate(user)
    hidden = MovieFactory(is_published=False)
    missing = hidden.pk + 1000
    a = api_client.post(OVERRIDES, {"movie": hidden.pk, "language": "en", "text": "x"}, format="json")
    b = api_client.post(OVERRIDES, {"movie": missing, "language": "en", "text": "x"}, format="json")
    assert a.status_code == b.status_code == 400
    assert a.json()["movie"][0].replace(str(hidden.pk), "N") == b.json()["movie"][0].replace(str(missing), "N")
