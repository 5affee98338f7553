"""Facet counts at a bounded cost: exact for small sets, sampled and flagged for large ones."""

from __future__ import annotations

from collections import Counter

import pytest

from catalog import facets
from catalog.models import Genre, Movie
from tests.factories import analyze

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies/"


@pytest.fixture
def catalog():
    drama, comedy = Genre.objects.create(slug="drama", name_en="Drama", name_ru="Драма"), Genre.objects.create(
        slug="comedy", name_en="Comedy", name_ru="Комедия")
    movies = Movie.objects.bulk_create([
        Movie(title=f"Harbour {n}", language="en", year=1990 + n % 3, countries=["FR"] if n % 4 else ["US", "FR"])
        for n in range(300)
    ])
    for n, movie in enumerate(movies):
        movie.genres.add(drama if n % 3 else comedy)
    return movies


def test_a_small_set_is_counted_exactly(api_client, catalog):
    body = api_client.get(MOVIES, {"year_from": 1990, "year_to": 1990, "facets": "genre,year,country"}).json()
    expected_years = Counter(m.year for m in catalog if m.year == 1990)
    assert body["facets"]["year"] == [{"value": 1990, "label": "1990", "count": expected_years[1990]}]
    countries = Counter(c for m in catalog if m.year == 1990 for c in m.countries)
    assert {f["value"]: f["count"] for f in body["facets"]["country"]} == dict(countries)
    assert not any("count_is_estimate" in f for values in body["facets"].values() for f in values)


def test_a_large_set_is_sampled_scaled_and_flagged(api_client, catalog, monkeypatch):
    monkeypatch.setattr(facets, "SAMPLE", 50)
    analyze("catalog_movie")  # the planner's estimate of the set
    body = api_client.get(MOVIES, {"facets": "genre,year"}).json()
    genres = body["facets"]["genre"]
    assert genres and all(f["count_is_estimate"] is True for f in genres)
    # Scaled up from the sample to the whole set: the total is of the order of the 300 movies.
    assert 200 <= sum(f["count"] for f in body["facets"]["year"]) <= 450
    # The draw is seeded: the same answer on every request.
    assert api_client.get(MOVIES, {"facets": "genre,year"}).json()["facets"] == body["facets"]


def test_a_sample_does_not_alias_with_a_pattern_in_the_ids(api_client, catalog, monkeypatch):
    # Every third movie is a comedy (ids in a row): an evenly strided draw would see one genre only.
    monkeypatch.setattr(facets, "SAMPLE", 50)
    genres = {f["value"]: f["count"] for f in api_client.get(MOVIES, {"facets": "genre"}).json()["facets"]["genre"]}
    assert set(genres) == {"drama", "comedy"}
    assert genres["drama"] > genres["comedy"] > 30


def test_a_search_that_read_every_match_is_counted_exactly(api_client, catalog):
    Movie.objects.create(title="Lighthouse Keeper", language="en", year=2001, countries=["GB"])
    body = api_client.get(MOVIES, {"q": "lighthouse", "facets": "year,country"}).json()
    assert body["facets"]["year"] == [{"value": 2001, "label": "2001", "count": 1}]
    assert body["facets"]["country"] == [{"value": "GB", "label": "GB", "count": 1}]
