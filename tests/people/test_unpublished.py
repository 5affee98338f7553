"""People and unpublished movies: to anyone but staff, an unpublished movie is one that does not exist.

So an actor known only from an unpublished movie looks exactly like an actor with no films (the
permission matrix fixes that such a person's page answers 200), and a person's counts, filmography
and validators carry no trace of the hidden movie.
"""

from __future__ import annotations

import pytest

from tests.factories import CreditFactory, MovieFactory, PersonFactory

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"


def _without_identity(body: dict) -> dict:
    # `matched` says why a search found the person (null when not searching): not about films either.
    return {k: v for k, v in body.items() if k not in ("id", "external_id", "full_name", "birth_date", "updated_at", "matched", "photo")}


def test_an_actor_only_in_unpublished_movies_looks_like_one_without_films(api_client, viewer, editor):
    hidden_movie = MovieFactory(title="Secret Cut", is_published=False)
    hidden_only = PersonFactory(full_name="Hidden Actor")
    CreditFactory(person=hidden_only, movie=hidden_movie)
    no_films = PersonFactory(full_name="Idle Actor")
    for user in (None, viewer):
        api_client.force_authenticate(user)
        listed = {p["full_name"]: p for p in api_client.get(PEOPLE, {"limit": 100}).json()["results"]}
        assert _without_identity(listed["Hidden Actor"]) == _without_identity(listed["Idle Actor"]) == {"movie_count": 0}
        hidden_page = api_client.get(f"{PEOPLE}{hidden_only.pk}/")
        idle_page = api_client.get(f"{PEOPLE}{no_films.pk}/")
        assert hidden_page.status_code == idle_page.status_code == 200
        assert _without_identity(hidden_page.json()) == _without_identity(idle_page.json()) == {"filmography": [], "filmography_by_job": []}
        assert "Secret Cut" not in hidden_page.content.decode()
    api_client.force_authenticate(editor)
    assert api_client.get(f"{PEOPLE}{hidden_only.pk}/").json()["filmography"][0]["movie"]["title"] == "Secret Cut"
    listed = {p["full_name"]: p for p in api_client.get(PEOPLE, {"limit": 100}).json()["results"]}
    assert listed["Hidden Actor"]["movie_count"] == 1


def test_a_hidden_movie_changes_nothing_in_a_visible_actors_answers(api_client):
    actor = PersonFactory()
    CreditFactory(person=actor, movie=MovieFactory(title="Shown"))
    before = api_client.get(f"{PEOPLE}{actor.pk}/")
    listed_before = api_client.get(PEOPLE).json()
    CreditFactory(person=actor, movie=MovieFactory(title="Secret Cut", is_published=False))
    after = api_client.get(f"{PEOPLE}{actor.pk}/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 304 and after["Last-Modified"] == before["Last-Modified"]
    assert api_client.get(PEOPLE).json() == listed_before


@pytest.mark.parametrize("path_id", ["1.5", "１", "+1"])
def test_a_person_id_that_is_not_ascii_digits_is_404(api_client, path_id):
    PersonFactory(pk=1)
    response = api_client.get(f"{PEOPLE}{path_id}/")
    assert response.status_code == 404 and "detail" in response.json()
