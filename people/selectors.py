"""Reads of people and their filmographies; an unpublished movie counts, to anyone but staff, as no movie."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from catalog.selectors import visible_movie
from core.exceptions import DomainError
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


class PersonNotFound(DomainError):
    """No such person."""

    status_code = 404
    code = "not_found"


def person_detail(*, person_id: int, user) -> Person:
    """The person with `filmography`: their credits in movies `user` may see, with the movie (what a
    filmography shows of it), by title, and their photo (`photo_image`, streaming.selectors.person_photo_of);
    PersonNotFound. Two queries."""
    from streaming.selectors import person_photo_columns  # streaming reads catalog, which reads people

    try:  # get(), not first(): no ORDER BY to compile for one row
        person = Person.objects.annotate(**person_photo_columns()).get(pk=person_id)
    except Person.DoesNotExist:
        raise PersonNotFound(f"No person with id {person_id}.") from None
    person.filmography = list(
        Credit.objects.filter(visible_movie(user=user, via="movie__"), person_id=person_id)
        .select_related("movie")
        .only("person_id", "job", "role_name", "billing_order", "movie__title", "movie__language", "movie__year", "movie__updated_at")
        .order_by("movie__title", "billing_order", "id")
    )
    return person
