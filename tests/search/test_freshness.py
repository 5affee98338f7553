"""Search documents stay current: whatever writes a title, a name, a credit or a description, in the
same transaction (PostgreSQL triggers), so the next search sees it."""

from __future__ import annotations

import pytest

from catalog.models import CmsDescription, Movie
from catalog.selectors import visible_movies
from etl.services import etl_run
from people.models import Credit, Person
from search.selectors import search_movies, search_people
from tests.etl.conftest import feed_file, local_store  # noqa: F401 (fixtures)
from tests.etl.records import actor, movie
from tests.factories import CreditFactory, MovieFactory, PersonFactory

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies/"


def found(query: str) -> list[tuple[str, str]]:
    page = search_movies(movies=visible_movies(user=None), query=query)
    return [(m.title, m.search_matched) for m in page.queryset]


def test_an_override_saved_through_the_api_is_searchable_at_once(editor_client, api_client):
    film = MovieFactory(title="Quiet Harbour", partner_description="Boats.")
    response = editor_client.post("/api/v1/overrides/", {"movie": film.pk, "language": "ru", "text": "Тихая гавань и маяк"}, format="json")
    assert response.status_code == 201
    body = api_client.get(MOVIES, {"q": "маяк"}).json()
    assert [(m["title"], m["matched"]) for m in body["results"]] == [("Quiet Harbour", "description")]
    editor_client.delete(f"/api/v1/overrides/{response.json()['id']}/")
    assert found("маяк") == []


def test_an_etl_run_is_searchable_at_once(feed_file, local_store):  # noqa: F811
    local_store.cms(7, "en", "A lonely keeper on a northern island.")
    feed = [movie(7, "Северное сияние", "ru", "Партнёрский текст.", [actor(70, "Пётр Фёдоров", "Смотритель")])]
    result = etl_run(partner_source=feed_file(feed), cms_source=local_store.cms_url)
    assert result.status == "succeeded"
    assert found("severnoe siyanie") == [("Северное сияние", "title")]
    assert found("Петр Федоров") == [("Северное сияние", "cast")]
    assert found("keeper") == [("Северное сияние", "description")]
    # A second run that renames the film and recasts it replaces what search knows.
    feed = [movie(7, "Полярное сияние", "ru", "Партнёрский текст.", [actor(71, "Анна Михалкова", "Смотритель")])]
    assert etl_run(partner_source=feed_file(feed), cms_source=local_store.cms_url).status == "succeeded"
    assert found("полярное") == [("Полярное сияние", "title")]
    assert found("северное") == []
    assert found("Федоров") == []
    assert found("Михалкова") == [("Полярное сияние", "cast")]


def test_a_renamed_person_is_found_under_the_new_name_only():
    person = PersonFactory(full_name="Ivan Petrov")
    CreditFactory(person=person, movie=MovieFactory(title="Red Square"))
    person.full_name = "Ivan Sidorov"
    person.save()
    assert found("Sidorov") == [("Red Square", "cast")]
    assert found("Petrov") == []
    people = search_people(people=Person.objects.all(), query="sidorov")
    assert [p.full_name for p in people.queryset] == ["Ivan Sidorov"]


def test_a_new_credit_and_a_removed_one():
    film = MovieFactory(title="Blue Lagoon")
    person = PersonFactory(full_name="Brooke Shields")
    assert found("shields") == []
    credit = Credit.objects.create(movie=film, person=person, role_name="Emmeline")
    assert found("shields") == [("Blue Lagoon", "cast")]
    credit.delete()
    assert found("shields") == []


def test_title_and_cms_changes_and_deletion():
    film = MovieFactory(title="Working Title", partner_description="Nothing here.")
    film.title = "Final Cut"
    film.save()
    assert found("final cut") == [("Final Cut", "title")]
    assert found("working title") == []
    cms = CmsDescription.objects.create(movie=film, language="de", text="Ein Märchen über Drachen.")
    assert found("marchen") == [("Final Cut", "description")]
    cms.text = "Eine Geschichte über Ritter."
    cms.save()
    assert found("marchen") == [] and found("ritter") == [("Final Cut", "description")]
    Movie.objects.filter(pk=film.pk).delete()
    assert found("final cut") == []


def test_bulk_writes_are_indexed_by_one_statement():
    Movie.objects.bulk_create([Movie(title=f"Bulk Harvest {n}", language="en") for n in range(50)])
    Movie.objects.filter(title__startswith="Bulk Harvest").update(title="Autumn Harvest")
    assert len(found("autumn harvest")) == 50
    assert found("bulk") == []
