"""The search contract of /api/v1/movies/?q=, /api/v1/people/?q= and /api/v1/search/suggest."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Movie
from search import engine
from tests.factories import CreditFactory, EditorFactory, MovieFactory, PersonFactory, analyze

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies/"
PEOPLE = "/api/v1/people/"
SUGGEST = "/api/v1/search/suggest"


def test_each_result_says_why_it_matched_titles_first(api_client):
    by_title = MovieFactory(title="Harbour Lights", partner_description="Fishermen.")
    by_cast = MovieFactory(title="Cold Sea", partner_description="Storms.")
    CreditFactory(movie=by_cast, person=PersonFactory(full_name="Anna Harbour"))
    MovieFactory(title="Grey Coast", partner_description="A harbour town in winter.")
    body = api_client.get(MOVIES, {"q": "harbour"}).json()
    assert [(m["title"], m["matched"]) for m in body["results"]] == [
        ("Harbour Lights", "title"), ("Cold Sea", "cast"), ("Grey Coast", "description")]
    assert body["count"] == 3 and body["interpreted_as"] is None
    assert by_title.pk == body["results"][0]["id"]


def test_a_rewritten_query_is_reported(api_client):
    MovieFactory(title="Полярная звезда", language="ru")
    body = api_client.get(MOVIES, {"q": "gjkzhyfz pdtplf"}).json()
    assert body["interpreted_as"] == "полярная звезда"
    assert [m["title"] for m in body["results"]] == ["Полярная звезда"]
    assert api_client.get(MOVIES, {"q": "polyarnaya zvezda"}).json()["interpreted_as"] == "полярная звезда"


def test_browsing_has_no_interpretation_and_no_match_reason(api_client):
    MovieFactory(title="Plain")
    body = api_client.get(MOVIES).json()
    assert "interpreted_as" not in body and body["results"][0]["matched"] is None


def test_unpublished_movies_never_match_for_viewers_but_do_for_staff(api_client):
    MovieFactory(title="Secret Garden", is_published=False)
    MovieFactory(title="Secret Agent")
    body = api_client.get(MOVIES, {"q": "secret"}).json()
    assert [m["title"] for m in body["results"]] == ["Secret Agent"] and body["count"] == 1
    assert api_client.get(SUGGEST, {"q": "garden"}).json()["results"] == []
    api_client.force_authenticate(EditorFactory(username="staff"))
    assert {m["title"] for m in api_client.get(MOVIES, {"q": "secret"}).json()["results"]} == {"Secret Agent", "Secret Garden"}


def test_search_combines_with_filters_and_explicit_ordering(api_client):
    MovieFactory(title="River Song", language="en")
    MovieFactory(title="River", language="ru")
    assert [m["title"] for m in api_client.get(MOVIES, {"q": "river", "language": "ru"}).json()["results"]] == ["River"]
    body = api_client.get(MOVIES, {"q": "river", "ordering": "-title"}).json()
    assert [m["title"] for m in body["results"]] == ["River Song", "River"] and body["count"] == 2


def test_a_common_word_counts_at_most_the_candidate_limit(api_client, settings):
    Movie.objects.bulk_create([Movie(title=f"Common Story {n}", language="en") for n in range(engine.CANDIDATE_LIMIT + 20)])
    analyze("search_moviedocument")
    body = api_client.get(MOVIES, {"q": "story", "limit": 5}).json()
    # The first page reads only the first candidates: the count is the planner's, capped, and says so.
    assert body["count"] == engine.CANDIDATE_LIMIT and body["count_is_estimate"] is True
    assert len(body["results"]) == 5 and body["next"]

    # A deep page reads deeper, up to the cap; the pages together hold each candidate once.
    seen = []
    for offset in range(0, engine.CANDIDATE_LIMIT + 100, 100):
        page = api_client.get(MOVIES, {"q": "story", "limit": 100, "offset": offset}).json()
        seen += [m["id"] for m in page["results"]]
    assert len(seen) == len(set(seen)) == engine.CANDIDATE_LIMIT


def test_pages_of_a_search_agree_whatever_depth_served_them(api_client):
    Movie.objects.bulk_create([Movie(title=f"Harbour {'x' * (n % 7)} {n}", language="en") for n in range(engine.DEPTH * 3)])
    Movie.objects.create(title="Harbour", language="en")
    whole = api_client.get(MOVIES, {"q": "harbour", "limit": 100, "offset": 0}).json()["results"]
    whole += api_client.get(MOVIES, {"q": "harbour", "limit": 100, "offset": 100}).json()["results"]
    paged = []
    for offset in range(0, 200, 20):
        paged += api_client.get(MOVIES, {"q": "harbour", "limit": 20, "offset": offset}).json()["results"]
    assert [m["id"] for m in paged] == [m["id"] for m in whole]
    assert whole[0]["title"] == "Harbour" and len(whole) == engine.DEPTH * 3 + 1


def test_a_search_reordered_or_filtered_sees_every_candidate(api_client):
    Movie.objects.bulk_create([Movie(title=f"Lantern {n}", language="en" if n % 2 else "fr") for n in range(engine.DEPTH * 2)])
    body = api_client.get(MOVIES, {"q": "lantern", "ordering": "-title", "limit": 100}).json()
    assert len(body["results"]) == engine.DEPTH * 2 and body["results"][0]["title"] == "Lantern 99"
    body = api_client.get(MOVIES, {"q": "lantern", "language": "fr", "limit": 100}).json()
    assert body["count"] == engine.DEPTH and len(body["results"]) == engine.DEPTH


def test_a_search_is_one_query_beyond_the_page(api_client):
    MovieFactory.create_batch(3, title="Dune Messiah")
    with CaptureQueriesContext(connection) as queries:
        api_client.get(MOVIES, {"q": "dune"})
    plain = [q["sql"] for q in queries.captured_queries if "search_moviedocument" in q["sql"]]
    assert len(plain) == 1  # the engine's statement; no COUNT of the matches afterwards
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)


def test_people_search_uses_the_same_engine(api_client):
    PersonFactory(full_name="Константин Хабенский")
    PersonFactory(full_name="Anne Hathaway")
    body = api_client.get(PEOPLE, {"q": "khabenskiy"}).json()
    assert [(p["full_name"], p["matched"]) for p in body["results"]] == [("Константин Хабенский", "name")]
    assert body["interpreted_as"] == "хабенский"
    assert [p["full_name"] for p in api_client.get(PEOPLE, {"q": "Hathawya"}).json()["results"]] == ["Anne Hathaway"]


def test_suggest_returns_movies_and_people_with_links(api_client):
    film = MovieFactory(title="Solaris")
    person = PersonFactory(full_name="Sol Kyle")
    CreditFactory(movie=film, person=person, role_name="Kelvin")
    for n in range(10):
        MovieFactory(title=f"Solar Flare {n}")
    body = api_client.get(SUGGEST, {"q": "sol"}).json()
    results = body["results"]
    assert len(results) == 8
    assert {r["type"] for r in results} == {"movie", "person"}
    kyle = next(r for r in results if r["type"] == "person")
    assert kyle == {"type": "person", "id": person.pk, "label": "Sol Kyle", "year": None, "role": "Kelvin",
                    "matched": "name", "link": f"/people/{person.pk}", "api_url": f"/api/v1/people/{person.pk}/"}
    exact = api_client.get(SUGGEST, {"q": "solaris"}).json()["results"][0]
    assert (exact["type"], exact["id"], exact["label"], exact["link"]) == ("movie", film.pk, "Solaris", f"/movies/{film.pk}")


def test_suggest_input_errors(api_client):
    assert api_client.get(SUGGEST).json() == {"interpreted_as": None, "results": []}
    response = api_client.get(SUGGEST, {"q": "x" * 101})
    assert response.status_code == 400 and "q" in response.json()


@pytest.mark.parametrize("query", ["'", "%", "\\", "a:*", "!!!", "(", "' | '", "ё", "x & y", "\x00"])
def test_odd_input_is_never_a_server_error(api_client, query):
    MovieFactory(title="Anything")
    assert api_client.get(MOVIES, {"q": query}).status_code in (200, 400)
    assert api_client.get(SUGGEST, {"q": query}).status_code in (200, 400)
