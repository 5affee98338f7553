"""Reads of people and their filmographies; an unpublished movie counts, to anyone but staff, as no movie."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from catalog.selectors import visible_movie
from people.models import Credit, Person
from search.selectors import SearchPage, search_people


def person_list(*, user) -> QuerySet[Person]:
    """People with the number of movies `user` may see that they appear in."""
    return Person.objects.annotate(
        movie_count=Count("credits__movie", distinct=True, filter=visible_movie(user=user, via="credits__movie__"))
    )


def person_search(people: QuerySet[Person], query: str) -> SearchPage:
    """`people` whose names match `query`, best first (the same engine as movie search)."""
    return search_people(people=people, query=query)


def person_detail_queryset(*, user) -> QuerySet[Person]:
    """People with `filmography`: their credits in movies `user` may see, with the movie, by title."""
    credits = (
        Credit.objects.filter(visible_movie(user=user, via="movie__"))
        .select_related("movie")
        .order_by("movie__title", "billing_order", "id")
    )
    return Person.objects.prefetch_related(Prefetch("credits", queryset=credits, to_attr="filmography"))
