"""Writes of override descriptions (create, update, delete) and of the stored description they decide.

Every write locks the movie row first, then the override: one lock order for all writers (API,
admin, ETL), so two writers of one movie queue instead of deadlocking, and a create cannot race
another create of the same (movie, language).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Expression, QuerySet
from django.utils import timezone

from catalog.models import Movie
from core.exceptions import DomainError
from overrides.models import DescriptionOverride
from overrides.selectors import OWN_LANGUAGE, override_version, resolve_descriptions


class OverrideNotFound(DomainError):
    """No such override description (it may have just been deleted)."""

    status_code = 404
    code = "not_found"


class OverrideExists(DomainError):
    """The movie already has an override in that language; update that one."""

    code = "override_exists"

    def __init__(self, existing: DescriptionOverride):
        self.existing = existing
        message = (
            f"This movie already has an override in {existing.language!r} (id {existing.pk}); update that one."
        )
        super().__init__(message, extra={"language": [message], "existing_id": existing.pk})


class OverrideChanged(DomainError):
    """Someone changed the override since you read it; here is the current version."""

    status_code = 412
    code = "version_mismatch"

    def __init__(self, current: DescriptionOverride):
        self.current = current
        message = (
            f"Override {current.pk} was changed by {getattr(current.author, 'username', None) or 'someone'} "
            f"at {current.updated_at.isoformat()} since you read it; reload it and apply your change again."
        )
        super().__init__(message, extra={"current": {"text": current.text, "version": override_version(current)}})


def descriptions_refresh(*, movie_ids: Iterable[int] | QuerySet | Expression, now: datetime | None = None) -> list[int]:
    """Store the description viewers see in each movie's own language where it differs; the ids changed.

    The stored `Movie.description` / `source_used` are `resolve_descriptions()` evaluated once
    and kept: rows already right are not written (an unchanged re-run writes nothing), changed ones
    get `updated_at = now`. `movie_ids` may be ids, a queryset of ids, or an SQL expression of a set
    of ids (the ETL passes its table of touched movies). Runs in the caller's transaction.
    """
    movies = resolve_descriptions(Movie.objects.filter(pk__in=movie_ids), OWN_LANGUAGE)
    resolved = movies.order_by().values_list("pk", "resolved_description", "resolved_source")
    select, params = resolved.query.sql_with_params()
    table = connection.ops.quote_name(Movie._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH resolved (id, text, source) AS ({select})
            UPDATE {table} m SET description = r.text, source_used = r.source, updated_at = %s
            FROM resolved r
            WHERE m.id = r.id AND (m.description, m.source_used) IS DISTINCT FROM (r.text, r.source)
            RETURNING m.id
            """,
            [*params, now or timezone.now()],
        )
        return [row[0] for row in cursor.fetchall()]


def _lock_movie(movie_id: int) -> None:
    # NO KEY UPDATE: the strength the UPDATE of the movie's description takes anyway, and it does not
    # block other transactions' foreign-key checks (credits, resume positions) on the movie.
    Movie.objects.select_for_update(no_key=True).filter(pk=movie_id).values_list("pk").first()


def _lock_override(override_id: int) -> DescriptionOverride:
    movie_id = DescriptionOverride.objects.filter(pk=override_id).values_list("movie_id", flat=True).first()
    if movie_id is None:
        raise OverrideNotFound(f"No override description with id {override_id}.")
    _lock_movie(movie_id)
    override = DescriptionOverride.objects.select_for_update().filter(pk=override_id).first()
    if override is None:
        raise OverrideNotFound(f"No override description with id {override_id}.")
    return override


def _check_version(override: DescriptionOverride, expected_versions: Collection[str] | None) -> None:
    if expected_versions is not None and override_version(override) not in expected_versions:
        raise OverrideChanged(override)


def _next_stamp(previous: datetime | None) -> datetime:
    """Now, but never at or before the previous write: Last-Modified and the version only move forward,
    whatever the clocks of the servers writing in turn say."""
    now = timezone.now()
    if previous is not None and now <= previous:
        return previous + timedelta(microseconds=1)
    return now


def _movie_changed(movie_id: int, now: datetime) -> None:
    # The override is part of the movie's page in every language: its updated_at moves even when the
    # stored own-language description stays as it was.
    if movie_id not in descriptions_refresh(movie_ids=[movie_id], now=now):
        Movie.objects.filter(pk=movie_id).update(updated_at=now)


def _normalise(text: str) -> str:
    return text.strip()


@transaction.atomic
def override_create(*, movie: Movie, language: str, text: str, author) -> DescriptionOverride:
    """A new override of `movie` in `language`; OverrideExists (with the existing one) if there is one."""
    override_language_free(movie=movie, language=language)
    now = _next_stamp(None)
    override = DescriptionOverride(movie=movie, language=language, text=_normalise(text), author=author, updated_at=now)
    override._history_user = author
    override.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            override.save(force_insert=True)
    except IntegrityError:
        # Only a writer that bypassed this service (and so the movie lock) can get here.
        existing = DescriptionOverride.objects.filter(movie=movie, language=language).first()
        if existing is None:
            raise
        raise OverrideExists(existing) from None
    _movie_changed(movie.pk, now)
    return override


@transaction.atomic
def override_update(
    *, override: DescriptionOverride, text: str, author, expected_versions: Collection[str] | None = None
) -> DescriptionOverride:
    """Replace the override's text. With `expected_versions` (what the editor read, see
    `override_version`), OverrideChanged when the override is no longer that version."""
    current = override_lock(override_id=override.pk, expected_versions=expected_versions)
    now = _next_stamp(current.updated_at)
    current.text = _normalise(text)
    current.author = author
    current.updated_at = now
    current._history_user = author
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    _movie_changed(current.movie_id, now)
    return current


@transaction.atomic
def override_delete(*, override: DescriptionOverride, author, expected_versions: Collection[str] | None = None) -> None:
    """Delete the override (its history keeps it); the CMS or partner description shows again."""
    current = override_lock(override_id=override.pk, expected_versions=expected_versions)
    now = _next_stamp(current.updated_at)
    current._history_user = author
    current.delete()
    _movie_changed(current.movie_id, now)


def override_lock(*, override_id: int, expected_versions: Collection[str] | None = None) -> DescriptionOverride:
    """Lock an override (its movie first) until the caller's transaction ends, checking it is still the
    version the editor read; for forms that validate before they save (the admin)."""
    current = _lock_override(override_id)
    _check_version(current, expected_versions)
    return current


def override_language_free(*, movie: Movie, language: str) -> None:
    """Lock the movie until the caller's transaction ends; OverrideExists if it has an override in `language`."""
    _lock_movie(movie.pk)
    existing = DescriptionOverride.objects.filter(movie=movie, language=language).first()
    if existing is not None:
        raise OverrideExists(existing)
