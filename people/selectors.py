"""Reads of people and their filmographies."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from people.models import Credit, Person
from search.selectors import SearchPage, search_people


def _published_only(user) -> bool:
    return not (user and user.is_staff)


def person_list(*, user) -> QuerySet[Person]:
    """People with the number of (visible) movies they appear in."""
    visible = Q(credits__movie__is_published=True) if _published_only(user) else Q()
    return Person.objects.annotate(movie_count=Count("credits__movie", distinct=True, filter=visible))


def person_search(people: QuerySet[Person], query: str) -> SearchPage:
    """`people` whose names match `query`, best first (the same engine as movie search)."""
    return search_people(people=people, query=query)


def person_detail_queryset(*, user) -> QuerySet[Person]:
    """People with `filmography`: their credits with the movie, by title."""
    credits = Credit.objects.select_related("movie").order_by("movie__title", "billing_order", "id")
    if _published_only(user):
        credits = credits.filter(movie__is_published=True)
    return Person.objects.prefetch_related(Prefetch("credits", queryset=credits, to_attr="filmography"))
