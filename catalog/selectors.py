"""Reads of the catalog: who may see which movies, the movie list, and everything a movie's page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from catalog.models import Genre, Movie
from core.exceptions import DomainError
from overrides.models import DescriptionOverride
from overrides.selectors import description_languages, override_for, with_description
from people.models import Credit, Job
from search.selectors import SearchPage, search_movies


class MovieNotFound(DomainError):
    """No such movie (an unpublished one, to anyone but staff, is no such movie either)."""

    status_code = 404
    code = "not_found"


def visible_movie(*, user, via: str = "") -> Q:
    """THE rule of who sees a movie, for every app: published movies; staff also see unpublished ones.

    As a filter on movies, or on rows that reach a movie through `via` (e.g. "credits__movie__").
    """
    return Q() if user is not None and user.is_staff else Q(**{f"{via}is_published": True})


def visible_movies(*, user) -> QuerySet[Movie]:
    """The movies `user` may see (see `visible_movie`)."""
    return Movie.objects.filter(visible_movie(user=user))


def movie_list(*, user, language: str | None) -> QuerySet[Movie]:
    """The movies `user` may see, with `shown_description` / `shown_source` in `language` (None: each one's own)."""
    return with_description(visible_movies(user=user), language)


def movie_search(movies: QuerySet[Movie], query: str) -> SearchPage:
    """`movies` matching `query` by title, cast or description, best first (the engine is search.engine)."""
    return search_movies(movies=movies, query=query)


def movie_credits(*, movie_id: int) -> QuerySet[Credit]:
    """A movie's cast (actors) in billing order, with the people."""
    return (
        Credit.objects.filter(movie_id=movie_id, job=Job.ACTOR).select_related("person").order_by("billing_order", "id")
    )


def movie_crew(*, movie_id: int) -> dict[str, list[Credit]]:
    """A movie's crew by job (directors, writers, producers, composers, in that order), each in billing order."""
    crew: dict[str, list[Credit]] = {job: [] for job in Job.values if job != Job.ACTOR}
    for credit in Credit.objects.filter(movie_id=movie_id).exclude(job=Job.ACTOR).select_related("person").order_by("billing_order", "id"):
        crew[credit.job].append(credit)
    return crew


FACETS = ("genre", "year", "country", "age_rating")


def filter_movies(
    movies: QuerySet[Movie], *, genres: list[str] = (), year_from: int | None = None, year_to: int | None = None,
    countries: list[str] = (), age_ratings: list[str] = (), has_video: bool | None = None, person_id: int | None = None,
) -> QuerySet[Movie]:
    """`movies` narrowed by the catalog's filters (a list means any of its values)."""
    if genres:
        movies = movies.filter(Exists(Movie.genres.through.objects.filter(movie_id=OuterRef("pk"), genre__slug__in=genres)))
    if year_from is not None:
        movies = movies.filter(year__gte=year_from)
    if year_to is not None:
        movies = movies.filter(year__lte=year_to)
    if countries:
        movies = movies.filter(countries__overlap=list(countries))
    if age_ratings:
        movies = movies.filter(age_rating__in=age_ratings)
    if has_video is not None:
        movies = movies.filter(video__isnull=not has_video)
    if person_id is not None:
        movies = movies.filter(Exists(Credit.objects.filter(movie_id=OuterRef("pk"), person_id=person_id)))
    return movies


def with_popularity(movies: QuerySet[Movie], *, days: int = 30) -> QuerySet[Movie]:
    """`movies` with `popularity`: their plays over the last `days` days (activity's statistics)."""
    from activity.selectors import recent_plays  # activity reads catalog.selectors at import time

    plays = recent_plays(days=days).filter(movie_id=OuterRef("pk")).values("plays")
    return movies.annotate(popularity=Coalesce(Subquery(plays, output_field=IntegerField()), Value(0)))


def movie_facets(movies: QuerySet[Movie], *, names: list[str], language: str | None) -> dict[str, list[dict]]:
    """Counts of each value of the facets `names` among `movies`, bounded by a sample (catalog/facets.py)."""
    from catalog.facets import movie_facets as bounded_facets

    return bounded_facets(movies, names=names, language=language)


def similar_movies(*, movie_id: int, user, limit: int = 12) -> list[Movie]:
    """Published movies like `movie_id`: shared genres, people and near years, best first (MovieNotFound if hidden).

    The cost is bounded: at most 30 people and a few hundred candidate movies are looked at, however large the catalog.
    """
    movie = visible_movies(user=user).filter(pk=movie_id).first()
    if movie is None:
        raise MovieNotFound(f"No movie with id {movie_id}.")
    genre_ids = list(movie.genres.values_list("pk", flat=True))
    person_ids = list(Credit.objects.filter(movie_id=movie_id).order_by("billing_order", "id").values_list("person_id", flat=True)[:30])
    published = Movie.objects.filter(is_published=True).exclude(pk=movie_id)
    candidates = set(
        Credit.objects.filter(person_id__in=person_ids, movie__is_published=True).exclude(movie_id=movie_id)
        .values_list("movie_id", flat=True)[:300]
    )
    if genre_ids:
        by_genre = published.filter(genres__in=genre_ids)
        if movie.year is not None:
            by_genre = by_genre.filter(year__range=(movie.year - 5, movie.year + 5))
        candidates.update(by_genre.values_list("pk", flat=True)[:300])
    if not candidates:
        return []
    scored = published.filter(pk__in=candidates).annotate(
        shared_genres=Count("genres", filter=Q(genres__in=genre_ids), distinct=True),
        shared_people=Count("credits__person", filter=Q(credits__person__in=person_ids), distinct=True),
    )

    def score(other: Movie) -> float:
        closeness = 0.0 if movie.year is None or other.year is None else max(0, 5 - abs(movie.year - other.year)) / 5
        return 2 * other.shared_genres + 3 * other.shared_people + closeness

    return sorted(scored, key=lambda other: (-score(other), other.title, other.pk))[:limit]


def genre_list(*, user) -> QuerySet[Genre]:
    """Every genre with `movie_count`: the movies `user` may see in it."""
    return Genre.objects.annotate(movie_count=Count("movies", filter=visible_movie(user=user, via="movies__"), distinct=True))


@dataclass(frozen=True)
class MoviePage:
    movie: Movie  # with shown_description / shown_source for `language`
    language: str
    override: DescriptionOverride | None  # the editor's override in `language`
    available_languages: list[str]
    credits: list[Credit]  # the cast
    crew: dict[str, list[Credit]]  # job -> credits, directors first
    last_modified: datetime  # the latest change of anything above


def movie_page(*, movie_id: int, user, language: str | None) -> MoviePage:
    """What a movie's page shows in `language` (None: the movie's own); MovieNotFound if `user` may not see it."""
    movie = movie_list(user=user, language=language).filter(pk=movie_id).prefetch_related("genres").first()
    if movie is None:
        raise MovieNotFound(f"No movie with id {movie_id}.")
    language = language or movie.language
    languages, descriptions_changed = description_languages(movie_id=movie.pk)
    return MoviePage(
        movie=movie,
        language=language,
        override=override_for(movie_id=movie.pk, language=language),
        available_languages=sorted(languages | {movie.language}),
        credits=list(movie_credits(movie_id=movie.pk)),
        crew=movie_crew(movie_id=movie.pk),
        last_modified=max(filter(None, [movie.updated_at, descriptions_changed])),
    )
