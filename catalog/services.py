"""Writes of movies; each keeps the stored description viewers see (overrides.services) current."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Movie
from overrides.services import descriptions_refresh


@transaction.atomic
def movie_save(*, movie: Movie) -> Movie:
    """Save `movie` (new or changed, e.g. by the admin's form) and store the description it now resolves to."""
    movie.save()
    if descriptions_refresh(movie_ids=[movie.pk], now=movie.updated_at):
        movie.refresh_from_db(fields=["description", "source_used", "updated_at"])
    return movie
