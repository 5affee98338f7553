"""Catalog depth in the API: filters, facets, ordering, detail fields and crew, similar movies, genres, filmography by job."""

from __future__ import annotations

import datetime

import pytest

from activity.models import MovieDailyStats
from people.models import Job
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies/"


@pytest.fixture
def catalog():
    drama, comedy, scifi = (GenreFactory(slug=s, name_en=s.title(), name_ru=r) for s, r in
                            [("drama", "Драма"), ("comedy", "Комедия"), ("sci-fi", "Фантастика")])
    movies = {
        "Solaris": MovieFactory(title="Solaris", year=1972, countries=["RU"], age_rating="12+"),
        "Stalker": MovieFactory(title="Stalker", year=1979, countries=["RU"], age_rating="16+"),
        "Amelie": MovieFactory(title="Amelie", year=2001, countries=["FR", "DE"], age_rating="12+"),
        "Heat": MovieFactory(title="Heat", year=1995, countries=["US"], age_rating="18+"),
        "Hidden": MovieFactory(title="Hidden", year=1975, countries=["RU"], is_published=False),
    }
    movies["Solaris"].genres.set([drama, scifi])
    movies["Stalker"].genres.set([drama, scifi])
    movies["Amelie"].genres.set([comedy])
    movies["Heat"].genres.set([drama])
    movies["Hidden"].genres.set([scifi])
    return movies


def titles(response):
    assert response.status_code == 200, response.content
    return [movie["title"] for movie in response.json()["results"]]


def test_filter_by_genre_one_or_more_slugs(api_client, catalog):
    assert titles(api_client.get(MOVIES, {"genre": "sci-fi"})) == ["Solaris", "Stalker"]
    assert titles(api_client.get(MOVIES, {"genre": "comedy,sci-fi"})) == ["Amelie", "Solaris", "Stalker"]
    assert titles(api_client.get(f"{MOVIES}?genre=comedy&genre=sci-fi")) == ["Amelie", "Solaris", "Stalker"]
    assert titles(api_client.get(MOVIES, {"genre": "no-such-genre"})) == []


def test_filter_by_years_country_rating(api_client, catalog):
    assert titles(api_client.get(MOVIES, {"year_from": 1975, "year_to": 2000})) == ["Heat", "Stalker"]
    assert titles(api_client.get(MOVIES, {"country": "de,us"})) == ["Amelie", "Heat"]
    assert titles(api_client.get(MOVIES, {"age_rating": "12+"})) == ["Amelie", "Solaris"]


@pytest.mark.parametrize(
    "params,field",
    [({"year_from": "1.5"}, "year_from"), ({"year_to": "abc"}, "year_to"), ({"year_from": "99999"}, "year_from"),
     ({"country": "XX"}, "country"), ({"age_rating": "21+"}, "age_rating"), ({"person": "1.0"}, "person"),
     ({"facets": "title"}, "facets"), ({"has_video": "maybe"}, "has_video")],
)
def test_bad_filter_values_are_400_with_a_message(api_client, catalog, params, field):
    response = api_client.get(MOVIES, params)
    assert response.status_code == 400
    assert field in response.json()


def test_filter_by_person_in_any_job(api_client, catalog):
    tarkovsky = PersonFactory(full_name="Andrei Tarkovsky")
    CreditFactory(movie=catalog["Solaris"], person=tarkovsky, job=Job.DIRECTOR, role_name="")
    CreditFactory(movie=catalog["Stalker"], person=tarkovsky, job=Job.WRITER, role_name="")
    CreditFactory(movie=catalog["Hidden"], person=tarkovsky, job=Job.DIRECTOR, role_name="")
    assert titles(api_client.get(MOVIES, {"person": tarkovsky.pk})) == ["Solaris", "Stalker"]


def test_filter_by_has_video(api_client, catalog):
    assert titles(api_client.get(MOVIES, {"has_video": "true"})) == []
    assert len(titles(api_client.get(MOVIES, {"has_video": "false"}))) == 4


def test_ordering_by_year_and_popularity(api_client, catalog):
    assert titles(api_client.get(MOVIES, {"ordering": "-year"})) == ["Amelie", "Heat", "Stalker", "Solaris"]
    today = datetime.date.today()
    MovieDailyStats.objects.create(movie=catalog["Heat"], day=today, plays=5)
    MovieDailyStats.objects.create(movie=catalog["Stalker"], day=today - datetime.timedelta(days=3), plays=9)
    MovieDailyStats.objects.create(movie=catalog["Amelie"], day=today - datetime.timedelta(days=40), plays=100)  # too old
    assert titles(api_client.get(MOVIES, {"ordering": "-popularity"})) == ["Stalker", "Heat", "Amelie", "Solaris"]


def test_facets_count_values_within_the_filters(api_client, catalog):
    body = api_client.get(MOVIES, {"facets": "genre,year,country"}).json()
    assert body["count"] == 4
    genres = {item["value"]: item["count"] for item in body["facets"]["genre"]}
    assert genres == {"drama": 3, "sci-fi": 2, "comedy": 1}  # the unpublished movie is not counted
    assert [item["value"] for item in body["facets"]["year"]] == [2001, 1995, 1979, 1972]
    assert {item["value"]: item["count"] for item in body["facets"]["country"]} == {"RU": 2, "FR": 1, "DE": 1, "US": 1}
    narrowed = api_client.get(MOVIES, {"facets": "genre", "genre": "sci-fi"}).json()
    assert {item["value"]: item["count"] for item in narrowed["facets"]["genre"]} == {"drama": 2, "sci-fi": 2}
    assert "facets" not in api_client.get(MOVIES).json()


def test_facets_follow_the_search(api_client, catalog):
    body = api_client.get(MOVIES, {"q": "Solaris", "facets": "genre"}).json()
    assert {item["value"] for item in body["facets"]["genre"]} == {"drama", "sci-fi"}


def test_detail_shows_year_genres_crew_before_the_cast(api_client, catalog):
    movie = catalog["Solaris"]
    tarkovsky = PersonFactory(full_name="Andrei Tarkovsky")
    CreditFactory(movie=movie, person=tarkovsky, job=Job.DIRECTOR, role_name="")
    CreditFactory(movie=movie, person=tarkovsky, job=Job.WRITER, role_name="")
    CreditFactory(movie=movie, person=PersonFactory(full_name="Donatas Banionis"), role_name="Kris Kelvin")
    body = api_client.get(f"{MOVIES}{movie.pk}/", {"lang": "ru"}).json()
    assert (body["year"], body["age_rating"], body["countries"]) == (1972, "12+", ["RU"])
    assert [(g["slug"], g["name"]) for g in body["genres"]] == [("drama", "Драма"), ("sci-fi", "Фантастика")]
    assert [p["full_name"] for p in body["crew"]["directors"]] == ["Andrei Tarkovsky"]
    assert [p["full_name"] for p in body["crew"]["writers"]] == ["Andrei Tarkovsky"]
    assert [(c["person"]["full_name"], c["job"], c["role_name"]) for c in body["credits"]] == [("Donatas Banionis", "actor", "Kris Kelvin")]
    keys = list(body)
    assert keys.index("crew") < keys.index("credits")


def test_similar_movies_share_genres_people_and_years(api_client, catalog):
    actor = PersonFactory()
    CreditFactory(movie=catalog["Solaris"], person=actor)
    CreditFactory(movie=catalog["Stalker"], person=actor)
    CreditFactory(movie=catalog["Hidden"], person=actor)
    response = api_client.get(f"{MOVIES}{catalog['Solaris'].pk}/similar/")
    assert response.status_code == 200
    names = [movie["title"] for movie in response.json()]
    assert names[0] == "Stalker"
    assert "Hidden" not in names and "Solaris" not in names and "Amelie" not in names


def test_similar_of_an_unpublished_movie_is_404_like_a_missing_one(api_client, catalog):
    hidden = api_client.get(f"{MOVIES}{catalog['Hidden'].pk}/similar/")
    missing = api_client.get(f"{MOVIES}999999/similar/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json().keys() == missing.json().keys()


def test_genres_with_counts_published_only_for_non_staff(api_client, editor_client, catalog):
    body = api_client.get("/api/v1/genres/").json()
    assert {g["slug"]: g["movie_count"] for g in body} == {"drama": 3, "comedy": 1, "sci-fi": 2}
    staff = editor_client.get("/api/v1/genres/").json()
    assert {g["slug"]: g["movie_count"] for g in staff}["sci-fi"] == 3


def test_a_new_genre_is_listed_at_once(client, catalog):
    first = client.get("/api/v1/genres/")
    assert len(first.json()) == 3
    GenreFactory(slug="western")
    assert len(client.get("/api/v1/genres/").json()) == 4


def test_person_filmography_grouped_by_job(api_client, catalog):
    person = PersonFactory()
    CreditFactory(movie=catalog["Solaris"], person=person, job=Job.DIRECTOR, role_name="")
    CreditFactory(movie=catalog["Solaris"], person=person, role_name="Passer-by")
    CreditFactory(movie=catalog["Hidden"], person=person, job=Job.DIRECTOR, role_name="")
    body = api_client.get(f"/api/v1/people/{person.pk}/").json()
    groups = [(group["job"], [c["movie"]["title"] for c in group["credits"]]) for group in body["filmography_by_job"]]
    assert groups == [("actor", ["Solaris"]), ("director", ["Solaris"])]


def test_schema_documents_the_new_endpoints_and_parameters(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/genres/" in schema["paths"] and "/api/v1/movies/{id}/similar/" in schema["paths"]
    names = {p["name"] for p in schema["paths"]["/api/v1/movies/"]["get"]["parameters"]}
    assert {"genre", "year_from", "year_to", "country", "age_rating", "has_video", "person", "facets"} <= names


@pytest.mark.django_db(transaction=True)
def test_genre_answers_are_cached_and_a_bulk_add_genre_invalidates_them(client, settings):
    from catalog.services import movies_add_genre

    settings.RESPONSE_CACHE_BACKEND = "locmem"
    settings.CACHES = {**settings.CACHES, "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "genres-test"}}

    drama = GenreFactory(slug="drama")
    movie = MovieFactory()
    assert client.get("/api/v1/genres/")["X-Cache"] == "miss"
    cached = client.get("/api/v1/genres/")
    assert cached["X-Cache"] == "hit" and cached.json()[0]["movie_count"] == 0
    movies_add_genre(movie_ids=[movie.pk], genre=drama)  # update()/bulk_create: no model signals
    fresh = client.get("/api/v1/genres/")
    assert fresh["X-Cache"] == "miss" and fresh.json()[0]["movie_count"] == 1
    assert client.get(MOVIES, {"genre": "drama"}).json()["count"] == 1
