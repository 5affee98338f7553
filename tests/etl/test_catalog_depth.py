"""The feed's catalog facts: year, runtime, age rating, countries, genres, crew; nulls; fields pinned by editors; idempotence."""

from __future__ import annotations

import pytest

from catalog.models import Genre, Movie
from catalog.services import movie_save
from etl.cleaning import clean_movie
from etl.exceptions import RecordRejected
from people.models import Credit, Job
from tests.etl.records import actor, movie
from tests.etl.test_pipeline import run, writes
from tests.factories import GenreFactory

pytestmark = pytest.mark.django_db

DIRECTOR = {"actor_id": 90, "full_name": "Andrei Tarkovsky", "job": "director"}
WRITER = {"actor_id": 90, "full_name": "Andrei Tarkovsky", "job": "Writer"}


def solaris(**extra):
    fields = {"year": 1972, "runtime": "167", "age_rating": "12+", "countries": ["ru", "SU", "RU"],
              "genres": ["Drama", "sci-fi", "Фантастика"], "crew": [DIRECTOR, WRITER]}
    return movie(1, "Solaris", "ru", "Ocean.", [actor(90, "Andrei Tarkovsky", "Passer-by"), actor(11, "Donatas Banionis", "Kelvin")],
                 **(fields | extra))


def test_the_new_fields_load_and_unknown_genres_are_created(feed_file, local_store):
    GenreFactory(slug="drama", name_en="Drama", name_ru="Драма")
    GenreFactory(slug="sci-fi", name_en="Science fiction", name_ru="Фантастика")
    result = run(feed_file([solaris(genres=["DRAMA", "sci-fi", "Фантастика", "Space Opera"])]))
    assert result.status == "succeeded"
    m = Movie.objects.get(external_id=1)
    assert (m.year, m.runtime, m.age_rating, m.countries) == (1972, 167, "12+", ["RU"])
    assert sorted(m.genres.values_list("slug", flat=True)) == ["drama", "sci-fi", "space-opera"]
    assert Genre.objects.get(slug="space-opera").name_en == "Space Opera"
    jobs = sorted(Credit.objects.filter(movie=m).values_list("person__full_name", "job", "role_name"))
    assert jobs == [("Andrei Tarkovsky", "actor", "Passer-by"), ("Andrei Tarkovsky", "director", ""),
                    ("Andrei Tarkovsky", "writer", ""), ("Donatas Banionis", "actor", "Kelvin")]
    # the dropped country ("SU" is no longer an ISO 3166-1 code) is reported, the movie loads
    assert [r.reason for r in result.records.all()] == ["country 'SU' is not an ISO 3166-1 alpha-2 code; dropped"]


def test_an_unchanged_rerun_writes_nothing(feed_file, local_store):
    path = feed_file([solaris(), movie(2, "Stalker", "ru", "Zone.", genres=["Drama"], year=1979)])
    run(path)
    before = writes(("catalog_movie", "people_person", "people_credit", "catalog_genre", "catalog_movie_genres"))
    second = run(path)
    assert writes(("catalog_movie", "people_person", "people_credit", "catalog_genre", "catalog_movie_genres")) == before
    assert second.counts["movies"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_changed_facts_update_and_a_changed_genre_list_replaces_the_links(feed_file, local_store):
    run(feed_file([solaris()]))
    result = run(feed_file([solaris(year=1973, genres=["Drama"], crew=[DIRECTOR])]))
    m = Movie.objects.get(external_id=1)
    assert result.counts["movies"]["updated"] == 1
    assert m.year == 1973 and list(m.genres.values_list("slug", flat=True)) == ["drama"]
    assert not Credit.objects.filter(movie=m, job=Job.WRITER).exists()
    assert Credit.objects.filter(movie=m, job=Job.ACTOR).count() == 2


@pytest.mark.parametrize("absent", [{"actors": None, "crew": None, "genres": None, "countries": None}, {}])
def test_null_or_missing_lists_load_the_movie_and_leave_its_lists_alone(feed_file, local_store, absent):
    run(feed_file([solaris()]))
    record = {"movie_id": 1, "title": "Solaris", "language": "ru", "description": "Ocean.", "year": 1972, **absent}
    result = run(feed_file([record]))
    assert result.status == "succeeded" and result.rejected == 0
    m = Movie.objects.get(external_id=1)
    assert m.genres.count() == 3 and Credit.objects.filter(movie=m).count() == 4
    assert m.countries == []  # a column, not a list of links: the feed's value (none) is written


@pytest.mark.parametrize(
    "extra,reason",
    [({"year": "nineteen"}, "year must be a whole number"), ({"runtime": 1.5}, "runtime must be a whole number"),
     ({"countries": "RU"}, "countries must be a list"), ({"genres": [""]}, "genres[0] must be a non-blank name"),
     ({"crew": [{"actor_id": 5, "full_name": "X", "job": "grip"}]}, "crew[0]: job must be one of"),
     ({"crew": [{"full_name": "X", "job": "director"}]}, "crew[0]: actor_id is missing")],
)
def test_bad_values_reject_the_record_with_a_reason(extra, reason):
    with pytest.raises(RecordRejected, match=reason.replace("[", r"\[").replace("]", r"\]")):
        clean_movie(solaris(**extra))


@pytest.mark.parametrize(
    "extra,warning",
    [({"year": 1500}, "year 1500 is outside"), ({"runtime": 0}, "runtime 0 is outside"),
     ({"age_rating": "21+"}, "age_rating '21+' is not one of"), ({"countries": ["XX"]}, "country 'XX'")],
)
def test_implausible_values_are_dropped_with_a_warning(extra, warning):
    record = clean_movie(solaris(**extra))
    assert any(w.startswith(warning) for w in record.warnings)
    assert record.title == "Solaris"


def test_fields_an_editor_changed_are_pinned_until_released(feed_file, local_store):
    path = feed_file([solaris()])
    run(path)
    m = Movie.objects.get(external_id=1)
    m.year, m.title = 1971, "Солярис"
    movie_save(movie=m, changed_fields=["year", "title", "is_published"])
    assert m.pinned_fields == ["title", "year"]
    m.genres.set([GenreFactory(slug="classic")])
    movie_save(movie=m, changed_fields=["genres"])
    before = writes(("catalog_movie", "catalog_movie_genres"))
    result = run(path)
    assert writes(("catalog_movie", "catalog_movie_genres")) == before  # pinned values are not "changes" either
    assert result.counts["movies"]["updated"] == 0
    m.refresh_from_db()
    assert (m.title, m.year, m.runtime) == ("Солярис", 1971, 167)
    assert list(m.genres.values_list("slug", flat=True)) == ["classic"]
    movie_save(movie=m, released_fields=["year", "genres"])
    run(path)
    m.refresh_from_db()
    assert (m.title, m.year, m.pinned_fields) == ("Солярис", 1972, ["title"])
    assert m.genres.count() == 3
