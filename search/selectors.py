"""Search reads: movies and people ordered by relevance, with why each matched, and suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from people.models import Credit, Person
from search import engine


@dataclass(frozen=True)
class SearchPage:
    """A search's queryset (best first, each row annotated with `search_matched`) and its rewrite."""

    queryset: QuerySet
    interpreted_as: str | None


class RankedQuerySet(QuerySet):
    """A search's rows, which already knows how many there are: the engine counted them while ranking.

    Paginating it costs no COUNT query; any further filter (e.g. `?language=`) forgets the number.
    """

    known_count: int | None = None

    def _clone(self):
        clone = super()._clone()
        clone.known_count = self.known_count
        return clone

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = super()._filter_or_exclude(negate, args, kwargs)
        clone.known_count = None
        return clone

    def count(self) -> int:
        if self.known_count is not None and not self.query.is_sliced:
            return self.known_count
        return super().count()


@cache
def _ranked_class(base: type) -> type:
    return base if issubclass(base, RankedQuerySet) else type(f"Ranked{base.__name__}", (RankedQuerySet, base), {})


def _restriction(queryset: QuerySet) -> tuple[str, list] | None:
    """The ids `queryset` may return, as SQL the engine applies to its candidates (None: no filter)."""
    if not queryset.query.where:
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def _in_rank_order(queryset: QuerySet, result: engine.SearchResult) -> QuerySet:
    if not result.hits:
        return queryset.none()
    ids = [hit.id for hit in result.hits]
    matched = [hit.matched for hit in result.hits]
    column = f'"{queryset.model._meta.db_table}"."id"'
    position = f"array_position(%s::bigint[], {column})"
    ranked = (
        queryset.filter(pk__in=ids)
        .annotate(
            search_position=RawSQL(position, (ids,)),
            search_matched=RawSQL(f"(%s::text[])[{position}]", (matched, ids)),
        )
        .order_by("search_position")
    )
    ranked.__class__ = _ranked_class(type(ranked))
    ranked.known_count = len(ids)
    return ranked


def search_movies(*, movies: QuerySet, query: str) -> SearchPage:
    """`movies` (already limited to what the viewer may see) that match `query`, best first."""
    result = engine.search(engine.MOVIES, query, restriction=_restriction(movies))
    return SearchPage(_in_rank_order(movies, result), result.interpreted_as)


def search_people(*, people: QuerySet, query: str) -> SearchPage:
    result = engine.search(engine.PEOPLE, query, restriction=_restriction(people))
    return SearchPage(_in_rank_order(people, result), result.interpreted_as)


def people_with_first_role(*, user) -> QuerySet:
    """People annotated with `first_role`: the role of their first-billed visible credit (for suggestions)."""
    credits = Credit.objects.filter(person=OuterRef("pk")).exclude(role_name="")
    if not (user and user.is_staff):
        credits = credits.filter(movie__is_published=True)
    return Person.objects.annotate(first_role=Subquery(credits.order_by("billing_order", "id").values("role_name")[:1]))
