"""Writes of movies; each keeps the stored description viewers see (overrides.services) current and the feed pins right."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from catalog.models import FEED_FIELDS, Genre, Movie
from core.cache import bump_catalog_version
from overrides.services import descriptions_refresh


@transaction.atomic
def movie_save(*, movie: Movie, changed_fields: Iterable[str] = (), released_fields: Iterable[str] = ()) -> Movie:
    """Save `movie` (new or changed, e.g. by the admin's form) and store the description it now resolves to.

    A feed movie's fields in `changed_fields` that the partner feed owns (catalog.models.FEED_FIELDS) are pinned:
    the ETL keeps the editor's value. `released_fields` go back to the feed at its next run.
    """
    if movie.external_id is not None:
        pinned = set(movie.pinned_fields) | (set(changed_fields) & set(FEED_FIELDS))
        movie.pinned_fields = [name for name in FEED_FIELDS if name in pinned and name not in set(released_fields)]
    movie.save()
    if descriptions_refresh(movie_ids=[movie.pk], now=movie.updated_at):
        movie.refresh_from_db(fields=["description", "source_used", "updated_at"])
    return movie


@transaction.atomic
def movies_set_published(*, movie_ids: Iterable[int], published: bool) -> int:
    """Publish or unpublish movies at once; the number changed."""
    changed = Movie.objects.filter(pk__in=list(movie_ids)).exclude(is_published=published).update(
        is_published=published, updated_at=timezone.now()
    )
    bump_catalog_version()  # update() sends no signals
    return changed


@transaction.atomic
def movies_add_genre(*, movie_ids: Iterable[int], genre: Genre) -> int:
    """Add `genre` to movies (feed movies get their genres pinned: the editor's choice stays); the number changed."""
    ids = list(Movie.objects.filter(pk__in=list(movie_ids)).exclude(genres=genre).values_list("pk", flat=True))
    Movie.genres.through.objects.bulk_create([Movie.genres.through(movie_id=pk, genre_id=genre.pk) for pk in ids])
    for movie in Movie.objects.filter(pk__in=ids, external_id__isnull=False).exclude(pinned_fields__contains=["genres"]):
        movie.pinned_fields = [name for name in FEED_FIELDS if name in {*movie.pinned_fields, "genres"}]
        movie.save(update_fields=["pinned_fields", "updated_at"])
    Movie.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    bump_catalog_version()
    return len(ids)
