"""catalog.selectors: who sees which movie, the list's descriptions, and a movie's page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.selectors import MovieNotFound, movie_list, movie_page, visible_movies
from tests.factories import CmsDescriptionFactory, CreditFactory, MovieFactory, OverrideFactory, PersonFactory

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies/"


def test_unpublished_movies_are_visible_to_staff_only(editor, viewer):
    shown, hidden = MovieFactory(), MovieFactory(is_published=False)
    assert set(visible_movies(user=None)) == set(visible_movies(user=viewer)) == {shown}
    assert set(visible_movies(user=editor)) == {shown, hidden}


def test_the_list_resolves_descriptions_in_the_database_for_any_language():
    movie = MovieFactory(language="ru", partner_description="partner")
    CmsDescriptionFactory(movie=movie, language="en", text="cms en")
    OverrideFactory(movie=movie, language="ru", text="editor ru")
    row = lambda language: (lambda m: (m.shown_description, m.shown_source))(movie_list(user=None, language=language).get())  # noqa: E731
    assert row(None) == ("editor ru", "override")
    assert row("ru") == ("editor ru", "override")
    assert row("en") == ("cms en", "cms")
    assert row("de") == ("partner", "partner")


def test_the_list_costs_one_query_whatever_the_language():
    for movie in MovieFactory.create_batch(5):
        OverrideFactory(movie=movie, language="ru")
        CmsDescriptionFactory(movie=movie, language="de")
    for language in (None, "ru", "de"):
        with CaptureQueriesContext(connection) as queries:
            assert len(list(movie_list(user=None, language=language))) == 5
        assert len(queries) == 1, language


def test_movie_page_has_what_the_detail_shows():
    movie = MovieFactory(language="en", partner_description="partner")
    CmsDescriptionFactory(movie=movie, language="ru", text="cms ru")
    override = OverrideFactory(movie=movie, language="de", text="editor de")
    CreditFactory(movie=movie, person=PersonFactory(full_name="B"), billing_order=2)
    CreditFactory(movie=movie, person=PersonFactory(full_name="A"), billing_order=1)
    page = movie_page(movie_id=movie.pk, user=None, language="de")
    assert (page.movie.shown_description, page.movie.shown_source, page.language) == ("editor de", "override", "de")
    assert page.override.pk == override.pk
    assert page.available_languages == ["de", "en", "ru"]
    assert [c.person.full_name for c in page.credits] == ["A", "B"]
    movie.refresh_from_db()
    assert page.last_modified >= max(movie.updated_at, override.updated_at)
    own = movie_page(movie_id=movie.pk, user=None, language=None)
    assert (own.language, own.override, own.movie.shown_description) == ("en", None, "partner")


def test_movie_page_of_an_unpublished_movie_is_not_found_but_for_staff(editor):
    hidden = MovieFactory(is_published=False)
    with pytest.raises(MovieNotFound):
        movie_page(movie_id=hidden.pk, user=None, language=None)
    assert movie_page(movie_id=hidden.pk, user=editor, language=None).movie.pk == hidden.pk


def test_deleting_an_override_in_another_language_does_not_move_last_modified_back(editor_client, api_client):
    movie = MovieFactory(language="en")
    created = editor_client.post("/api/v1/overrides/", {"movie": movie.pk, "language": "ru", "text": "ru"}, format="json").json()
    with_override = api_client.get(f"{MOVIES}{movie.pk}/")
    editor_client.delete(f"/api/v1/overrides/{created['id']}/")
    without = api_client.get(f"{MOVIES}{movie.pk}/")
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(without["Last-Modified"]) >= parsedate_to_datetime(with_override["Last-Modified"])
    assert without["ETag"] != with_override["ETag"]


@pytest.mark.parametrize("path", ["0.5/", "１/", "1.0/credits/", "-1/"])
def test_a_movie_id_that_is_not_ascii_digits_is_404_json(api_client, path):
    MovieFactory(pk=1)
    response = api_client.get(f"{MOVIES}{path}")
    assert response.status_code == 404 and "detail" in response.json()


def test_credits_of_an_unpublished_movie_are_404_for_the_public(api_client):
    hidden = MovieFactory(is_published=False)
    CreditFactory(movie=hidden)
    assert api_client.get(f"{MOVIES}{hidden.pk}/credits/").status_code == 404


def test_movie_page_is_one_query_with_its_images_languages_and_people():
    from streaming.models import Image, ImageKind

    movie = MovieFactory(language="en")
    CmsDescriptionFactory(movie=movie, language="ru", text="cms ru")
    CreditFactory(movie=movie)
    Image.objects.create(movie=movie, kind=ImageKind.POSTER, key="images/p.jpg", size=1, content_type="image/jpeg", width=300, height=450, sha256="0" * 64)
    with CaptureQueriesContext(connection) as queries:
        page = movie_page(movie_id=movie.pk, user=None, language=None)
    assert len(queries) == 1
    assert page.available_languages == ["en", "ru"] and len(page.credits) == 1
    assert [source["width"] for source in page.media["poster"]] == [300] and page.media["backdrop"] == []
    assert page.media["trickplay_url"] is None
