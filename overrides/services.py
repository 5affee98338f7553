"""Editors' writes of override descriptions; each keeps the movie's resolved description current."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Movie
from catalog.services import movie_refresh_description
from overrides.models import DescriptionOverride


def _normalise(text: str) -> str:
    return text.strip()


@transaction.atomic
def override_save(*, movie: Movie, language: str, text: str, author) -> DescriptionOverride:
    """Create or replace the override of `movie` in `language`; the history keeps the old text."""
    override = DescriptionOverride.objects.select_for_update().filter(movie=movie, language=language).first()
    if override is None:
        override = DescriptionOverride(movie=movie, language=language)
    override.text = _normalise(text)
    override.author = author
    override._history_user = author
    override.full_clean()
    override.save()
    movie_refresh_description(movie=movie)
    return override


@transaction.atomic
def override_update(*, override: DescriptionOverride, text: str, author) -> DescriptionOverride:
    override.text = _normalise(text)
    override.author = author
    override._history_user = author
    override.full_clean()
    override.save()
    movie_refresh_description(movie=override.movie)
    return override


@transaction.atomic
def override_delete(*, override: DescriptionOverride, author) -> None:
    movie = override.movie
    override._history_user = author
    override.delete()
    movie_refresh_description(movie=movie)
