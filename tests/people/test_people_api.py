"""Contract of /api/v1/people."""

from __future__ import annotations

import pytest

from tests.factories import CreditFactory, MovieFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_list_search_and_movie_count(api_client):
    person = PersonFactory(full_name="Leonardo DiCaprio")
    PersonFactory(full_name="Anne Hathaway")
    CreditFactory.create_batch(2, person=person)
    results = api_client.get("/api/v1/people/", {"q": "dicapro"}).json()["results"]
    assert [(p["full_name"], p["movie_count"]) for p in results] == [("Leonardo DiCaprio", 2)]


def test_detail_has_filmography_without_unpublished_movies(api_client):
    person = PersonFactory()
    CreditFactory(person=person, movie=MovieFactory(title="Shown"), role_name="Hero")
    CreditFactory(person=person, movie=MovieFactory(title="Hidden", is_published=False))
    body = api_client.get(f"/api/v1/people/{person.pk}/").json()
    assert [(c["movie"]["title"], c["role_name"]) for c in body["filmography"]] == [("Shown", "Hero")]


def test_unknown_person_is_404(api_client):
    assert api_client.get("/api/v1/people/424242/").status_code == 404


def test_people_ordering_rejects_unknown_field(api_client):
    assert api_client.get("/api/v1/people/", {"ordering": "salary"}).status_code == 400
