"""The rule that picks the description a viewer sees in a language (defined once, here), and reads of overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Case, Exists, F, OuterRef, QuerySet, Subquery, TextField, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from catalog.models import CmsDescription, DescriptionSource, Movie
from overrides.models import DescriptionOverride

OWN_LANGUAGE = None


def description_expressions(language: str | None = OWN_LANGUAGE) -> tuple[Combinable, Combinable]:
    """(text, source) of the description viewers see, as SQL expressions over a Movie row.

    THE rule: the editor's override in `language`, else the CMS document in it, else the partner
    description. `language=None` means each movie's own language (what `Movie.description` /
    `source_used` store). Everything that shows or stores a description evaluates these expressions:
    the API (annotation), `overrides.services.descriptions_refresh` (the stored columns, also for the
    ETL) and the admin's "What viewers see" (`resolve_description`).
    """
    wanted = OuterRef("language") if language is OWN_LANGUAGE else language
    # (movie, language) is unique in both tables, so each subquery is one probe of that unique index.
    override = DescriptionOverride.objects.filter(movie=OuterRef("pk"), language=wanted)
    cms = CmsDescription.objects.filter(movie=OuterRef("pk"), language=wanted)
    text = Coalesce(
        Subquery(override.values("text")), Subquery(cms.values("text")), F("partner_description"), output_field=TextField()
    )
    source = Case(
        When(Exists(override), then=Value(DescriptionSource.OVERRIDE.value)),
        When(Exists(cms), then=Value(DescriptionSource.CMS.value)),
        default=Value(DescriptionSource.PARTNER.value),
        output_field=TextField(),
    )
    return text, source


def with_description(movies: QuerySet[Movie], language: str | None) -> QuerySet[Movie]:
    """`movies` annotated with `shown_description` and `shown_source` for `language`.

    In a movie's own language the stored, resolved columns are read (kept current by every write);
    another language is resolved by the database, two index probes per row and no prefetching.
    """
    if language is OWN_LANGUAGE:
        return movies.annotate(shown_description=F("description"), shown_source=F("source_used"))
    text, source = description_expressions(language)
    return movies.annotate(shown_description=text, shown_source=source)


def resolve_description(movie: Movie, language: str) -> tuple[str, str]:
    """(text, source) viewers see for `movie` in `language` (one query; the admin shows it per language)."""
    text, source = description_expressions(language)
    return Movie.objects.filter(pk=movie.pk).values_list(text, source).get()


def override_for(*, movie_id: int, language: str) -> DescriptionOverride | None:
    """The editor's override of a movie in `language`, with its author, or None."""
    return DescriptionOverride.objects.select_related("author").filter(movie_id=movie_id, language=language).first()


def description_languages(*, movie_id: int) -> tuple[set[str], datetime | None]:
    """The languages a movie has an override or CMS document in, and when the latest of them changed."""
    rows = (
        DescriptionOverride.objects.filter(movie_id=movie_id)
        .values_list("language", "updated_at")
        .union(CmsDescription.objects.filter(movie_id=movie_id).values_list("language", "updated_at"), all=True)
    )
    rows = list(rows)
    return {language for language, _ in rows}, max((stamp for _, stamp in rows), default=None)


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
