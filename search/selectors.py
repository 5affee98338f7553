"""Search reads: movies and people ordered by relevance, with why each matched, and suggestions."""

from __future__ import annotations

import json
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
    A page is read by its ids (the engine ranked them), so only the page's rows are fetched; a
    page deeper than the engine read runs it again, deeper (up to CANDIDATE_LIMIT). A reordering or
    a further filter first widens the set to every candidate (CANDIDATE_LIMIT), as before.
    """

    known_count: int | None = None
    known_count_is_estimate: bool = False
    search_ids: list[int] | None = None  # the ranked ids, while this queryset's rows are exactly them in that order
    search_deeper = None  # (depth) -> a RankedQuerySet of the same search read deeper; None when complete

    def _clone(self):
        clone = super()._clone()
        clone.known_count = self.known_count
        clone.known_count_is_estimate = self.known_count_is_estimate
        clone.search_ids = self.search_ids
        clone.search_deeper = self.search_deeper
        return clone

    def _widened(self) -> RankedQuerySet:
        """This search with every candidate (what a reordering or a further filter must see)."""
        return self if self.search_deeper is None else self.search_deeper(engine.CANDIDATE_LIMIT)

    def _filter_or_exclude(self, negate, args, kwargs):
        clone = QuerySet._filter_or_exclude(self._widened(), negate, args, kwargs)
        clone.known_count = None
        clone.known_count_is_estimate = False
        clone.search_ids = clone.search_deeper = None
        return clone

    def order_by(self, *field_names):
        clone = QuerySet.order_by(self._widened(), *field_names)
        clone.search_ids = clone.search_deeper = None
        return clone

    def count(self) -> int:
        if self.known_count is not None and not self.query.is_sliced:
            return self.known_count
        return super().count()

    def __getitem__(self, k):
        ids = self.search_ids
        if (
            ids is None or self._result_cache is not None or not isinstance(k, slice) or k.step is not None
            or (k.start or 0) < 0 or k.stop is None or k.stop < 0
        ):
            return super().__getitem__(k)
        if k.stop > len(ids) and self.search_deeper is not None:
            deeper = self.search_deeper(k.stop)
            self.known_count, self.known_count_is_estimate = deeper.known_count, deeper.known_count_is_estimate
            return deeper[k]
        page = ids[k]
        if not page:
            return self.none()
        rows = QuerySet._filter_or_exclude(self, False, (), {"pk__in": page})
        rows.search_ids = rows.search_deeper = None
        return rows


@cache
def _ranked_class(base: type) -> type:
    return base if issubclass(base, RankedQuerySet) else type(f"Ranked{base.__name__}", (RankedQuerySet, base), {})


def _restriction(queryset: QuerySet) -> tuple[str, list] | None:
    """The ids `queryset` may return, as SQL the engine applies to its candidates (None: no filter)."""
    if not queryset.query.where:
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    return sql, list(params)


def _in_rank_order(queryset: QuerySet, result: engine.SearchResult, deeper=None) -> QuerySet:
    if not result.hits:
        return queryset.none()
    ids = [hit.id for hit in result.hits]
    # Position and tier by id from one JSON object: a keyed lookup per row (an array_position over
    # every id per row made a page of a 1000-candidate search cost ~30 ms).
    ranks = json.dumps({str(hit.id): [n, hit.matched] for n, hit in enumerate(result.hits)})
    column = f'"{queryset.model._meta.db_table}"."id"'
    ranked = (
        queryset.filter(pk__in=ids)
        .annotate(
            search_position=RawSQL(f"((%s::jsonb -> ({column})::text) ->> 0)::int", (ranks,)),
            search_matched=RawSQL(f"(%s::jsonb -> ({column})::text) ->> 1", (ranks,)),
        )
        .order_by("search_position")
    )
    ranked.__class__ = _ranked_class(type(ranked))
    ranked.known_count = result.count
    ranked.known_count_is_estimate = not result.complete
    ranked.search_ids = ids
    ranked.search_deeper = None if result.complete or result.depth >= engine.CANDIDATE_LIMIT else deeper
    return ranked


def _search(target: engine.Target, queryset: QuerySet, query: str, depth: int = engine.DEPTH) -> tuple[QuerySet, engine.SearchResult]:
    restriction = _restriction(queryset)
    result = engine.search(target, query, restriction=restriction, depth=depth)

    def deeper(wanted: int) -> QuerySet:
        # Read at least twice as deep as before, so paging on costs a few runs, not one per page.
        return _search(target, queryset, query, max(wanted, 2 * result.depth))[0]

    return _in_rank_order(queryset, result, deeper), result


def search_movies(*, movies: QuerySet, query: str, depth: int = engine.DEPTH) -> SearchPage:
    """`movies` (already limited to what the viewer may see) that match `query`, best first.

    `depth`: the candidates read at first (a deeper page reads more); suggestions need only a few.
    """
    ranked, result = _search(engine.MOVIES, movies, query, depth)
    return SearchPage(ranked, result.interpreted_as)


def search_people(*, people: QuerySet, query: str, depth: int = engine.DEPTH) -> SearchPage:
    ranked, result = _search(engine.PEOPLE, people, query, depth)
    return SearchPage(ranked, result.interpreted_as)


def people_with_first_role(*, user) -> QuerySet:
    """People annotated with `first_role`: the role of their first-billed visible credit (for suggestions)."""
    credits = Credit.objects.filter(person=OuterRef("pk")).exclude(role_name="")
    if not (user and user.is_staff):
        credits = credits.filter(movie__is_published=True)
    return Person.objects.annotate(first_role=Subquery(credits.order_by("billing_order", "id").values("role_name")[:1]))
