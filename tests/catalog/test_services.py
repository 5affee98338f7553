"""catalog.services: saving a movie keeps the stored description viewers see current."""

from __future__ import annotations

import pytest

from catalog.models import Movie
from catalog.services import movie_save
from tests.factories import CmsDescriptionFactory, MovieFactory, OverrideFactory

pytestmark = pytest.mark.django_db


def test_a_new_partner_text_is_stored_as_what_viewers_see():
    movie = MovieFactory(language="en", partner_description="old")
    movie.partner_description = "new"
    saved = movie_save(movie=movie)
    assert (saved.description, saved.source_used) == ("new", "partner")
    assert Movie.objects.filter(pk=movie.pk, description="new").exists()


def test_a_new_language_picks_that_languages_cms_document_or_override():
    movie = MovieFactory(language="en", partner_description="partner")
    CmsDescriptionFactory(movie=movie, language="ru", text="cms ru")
    OverrideFactory(movie=movie, language="de", text="editor de")
    movie.language = "ru"
    assert (movie_save(movie=movie).description, movie.source_used) == ("cms ru", "cms")
    movie.language = "de"
    assert (movie_save(movie=movie).description, movie.source_used) == ("editor de", "override")


def test_an_override_still_wins_over_a_changed_partner_text():
    movie = MovieFactory(language="en", partner_description="partner")
    OverrideFactory(movie=movie, language="en", text="editor")
    movie.refresh_from_db()
    movie.partner_description = "partner, revised"
    saved = movie_save(movie=movie)
    assert (saved.description, saved.source_used) == ("editor", "override")
    assert Movie.objects.get(pk=movie.pk).partner_description == "partner, revised"


def test_a_new_movie_gets_its_description():
    movie = movie_save(movie=Movie(title="New", language="en", partner_description="fresh"))
    stored = Movie.objects.get(pk=movie.pk)
    assert (stored.description, stored.source_used) == ("fresh", "partner")
