"""The rule that picks the description a viewer sees in a language (defined once, here), and reads of overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, Case, DateTimeField, F, FilteredRelation, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from catalog.models import CmsDescription, DescriptionSource, Movie
from overrides.models import DescriptionOverride

OWN_LANGUAGE = None


def resolve_descriptions(movies: QuerySet[Movie], language: str | None = OWN_LANGUAGE) -> QuerySet[Movie]:
    """`movies` annotated with `resolved_description` and `resolved_source`: what viewers see in `language`.

    THE rule: the editor's override in `language`, else the CMS document in it, else the partner
    description. `language=None` means each movie's own language (what `Movie.description` /
    `source_used` store). Everything that shows or stores a description evaluates this: the API for
    other languages, `overrides.services.descriptions_refresh` (the stored columns, also for the ETL)
    and the admin's "What viewers see" (`resolve_description`).

    Two LEFT JOINs on (movie, language), unique in both tables: the planner probes the unique indexes
    for a page of movies and hash-joins for the ETL's whole catalog.
    """
    wanted = F("language") if language is OWN_LANGUAGE else Value(language)
    return movies.alias(
        shown_override=FilteredRelation("overrides", condition=Q(overrides__language=wanted)),
        shown_cms=FilteredRelation("cms_descriptions", condition=Q(cms_descriptions__language=wanted)),
    ).annotate(
        resolved_description=Coalesce(
            F("shown_override__text"), F("shown_cms__text"), F("partner_description"), output_field=TextField()
        ),
        resolved_source=Case(
            When(shown_override__id__isnull=False, then=Value(DescriptionSource.OVERRIDE.value)),
            When(shown_cms__id__isnull=False, then=Value(DescriptionSource.CMS.value)),
            default=Value(DescriptionSource.PARTNER.value),
            output_field=TextField(),
        ),
    )


def with_description(movies: QuerySet[Movie], language: str | None) -> QuerySet[Movie]:
    """`movies` annotated with `shown_description` and `shown_source` for `language`.

    In a movie's own language the stored, resolved columns are read (kept current by every write);
    another language is resolved by the database (`resolve_descriptions`), with no prefetching.
    """
    if language is OWN_LANGUAGE:
        return movies.annotate(shown_description=F("description"), shown_source=F("source_used"))
    return resolve_descriptions(movies, language).annotate(
        shown_description=F("resolved_description"), shown_source=F("resolved_source")
    )


def resolve_description(movie: Movie, language: str) -> tuple[str, str]:
    """(text, source) viewers see for `movie` in `language` (one query; the admin shows it per language)."""
    movies = resolve_descriptions(Movie.objects.filter(pk=movie.pk), language)
    return movies.values_list("resolved_description", "resolved_source").get()


def override_for(*, movie_id: int, language: str) -> DescriptionOverride | None:
    """The editor's override of a movie in `language`, with its author, or None."""
    return DescriptionOverride.objects.select_related("author").filter(movie_id=movie_id, language=language).first()


def description_language_columns() -> dict[str, RawSQL]:
    """`description_languages` (array) and `descriptions_changed` (the latest change) of each movie, as
    columns of a movie query: a page reads them with the movie, not in a query of their own."""
    movie = Movie._meta.db_table
    both = (
        f"(SELECT o.language, o.updated_at FROM {DescriptionOverride._meta.db_table} o WHERE o.movie_id = {movie}.id"
        f" UNION ALL SELECT c.language, c.updated_at FROM {CmsDescription._meta.db_table} c WHERE c.movie_id = {movie}.id)"
    )
    return {
        "description_languages": RawSQL(f"ARRAY(SELECT DISTINCT d.language FROM {both} d)", [], output_field=ArrayField(CharField())),
        "descriptions_changed": RawSQL(f"(SELECT max(d.updated_at) FROM {both} d)", [], output_field=DateTimeField()),
    }


def description_languages(movie: Movie) -> tuple[set[str], datetime | None]:
    """The languages `movie` (read with `description_language_columns`) has an override or CMS document
    in, and when the latest of them changed."""
    return set(movie.description_languages), movie.descriptions_changed


def override_list(*, visible_movies: QuerySet[Movie]) -> QuerySet[DescriptionOverride]:
    """Overrides of the movies in `visible_movies` (see catalog.selectors.visible_movies), by movie and language."""
    return (
        DescriptionOverride.objects.select_related("author")
        .filter(movie__in=visible_movies)
        .order_by("movie_id", "language")
    )


def override_version(override: DescriptionOverride) -> str:
    """An opaque token that changes with every write of the override (its ETag's value).

    `updated_at` strictly increases with each write (see overrides.services), so id + updated_at in
    microseconds names one version.
    """
    return f"{override.pk}.{(override.updated_at - _EPOCH) // timedelta(microseconds=1)}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
