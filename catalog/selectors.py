"""Reads of the catalog: the querysets behind the movie endpoints, with their prefetching."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from catalog.models import Movie
from people.models import Credit
from search.selectors import SearchPage, search_movies


def visible_movies(*, user) -> QuerySet[Movie]:
    """Published movies; staff also see unpublished ones."""
    movies = Movie.objects.all()
    if not (user and user.is_staff):
        movies = movies.filter(is_published=True)
    return movies


def with_descriptions(movies: QuerySet[Movie]) -> QuerySet[Movie]:
    """Prefetch what `overrides.selectors.resolve_description` reads (two queries per page)."""
    return movies.prefetch_related("overrides__author", "cms_descriptions")


def movie_search(movies: QuerySet[Movie], query: str) -> SearchPage:
    """`movies` matching `query` by title, cast or description, best first (the engine is search.engine)."""
    return search_movies(movies=movies, query=query)


def movie_credits(movie: Movie) -> QuerySet[Credit]:
    return Credit.objects.filter(movie=movie).select_related("person").order_by("billing_order", "id")


def movie_detail_queryset(*, user) -> QuerySet[Movie]:
    return with_descriptions(visible_movies(user=user)).prefetch_related(
        Prefetch("credits", queryset=Credit.objects.select_related("person").order_by("billing_order", "id"))
    )
