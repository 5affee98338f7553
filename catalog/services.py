"""Writes to movies that must keep the stored resolved description right."""

from __future__ import annotations

from django.utils import timezone

from catalog.models import Movie
from overrides.selectors import resolve_description


def movie_refresh_description(*, movie: Movie) -> Movie:
    """Store the description viewers see in the movie's own language, and its source."""
    movie = Movie.objects.prefetch_related("overrides", "cms_descriptions").get(pk=movie.pk)
    description, source = resolve_description(movie, movie.language)
    # updated_at moves even when the text stays: an override change is a change of the movie's page.
    now = timezone.now()
    Movie.objects.filter(pk=movie.pk).update(description=description, source_used=source, updated_at=now)
    movie.description, movie.source_used, movie.updated_at = description, source, now
    return movie
