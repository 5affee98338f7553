"""Reads of the catalog: who may see which movies, the movie list, and everything a movie's page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from catalog.models import Movie
from core.exceptions import DomainError
from overrides.models import DescriptionOverride
from overrides.selectors import description_languages, override_for, with_description
from people.models import Credit
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
    """A movie's cast in billing order, with the people."""
    return Credit.objects.filter(movie_id=movie_id).select_related("person").order_by("billing_order", "id")


@dataclass(frozen=True)
class MoviePage:
    movie: Movie  # with shown_description / shown_source for `language`
    language: str
    override: DescriptionOverride | None  # the editor's override in `language`
    available_languages: list[str]
    credits: list[Credit]
    last_modified: datetime  # the latest change of anything above


def movie_page(*, movie_id: int, user, language: str | None) -> MoviePage:
    """What a movie's page shows in `language` (None: the movie's own); MovieNotFound if `user` may not see it."""
    movie = movie_list(user=user, language=language).filter(pk=movie_id).first()
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
        last_modified=max(filter(None, [movie.updated_at, descriptions_changed])),
    )
