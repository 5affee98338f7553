"""Facet counts of a movie list (`?facets=genre,year,country,age_rating`), at a cost bounded by a sample.

Counting every value over every matching movie costs what the matches cost (a GROUP BY over
100k movies, about 0.5 s on the bench machine), so:
- a set of at most SAMPLE movies (a narrow filter, a search that read all its matches) is counted
  exactly;
- a larger set is counted over a sample, and each count is scaled up and flagged
  (`count_is_estimate: true`): ids drawn evenly over the table's id range (one seeded random id in
  each stratum, so the answer is the same on every request and no pattern in the ids aliases with
  the draw), looked up by primary key: at most MAX_SAMPLE_ROWS probes whatever the catalog's size.
  Ids, not pages (`TABLESAMPLE SYSTEM`): a page holds movies loaded together, which share genres
  and years, and a small or bloated table has too few live pages for a page sample to be steady;
- a search that read only its first candidates counts those, scaled to its (estimated) count.
Values a sample misses are missing from the answer: rare values of a large set may not show.
"""

from __future__ import annotations

import math
import random

from django.db.models import BooleanField, Count, Func, Max, Min, QuerySet
from django.db.models.expressions import RawSQL

from catalog.models import Genre, Movie

FACETS = ("genre", "year", "country", "age_rating")  # what `?facets=` may ask for
SAMPLE = 2000  # at most this many movies are counted exactly
MAX_SAMPLE_ROWS = 20000  # the most rows a sample reads, whatever the catalog's size


def _id_in(table: str, ids: list[int], column: str = "id") -> RawSQL:
    """`column = ANY(ids)`: one array parameter (`pk__in` sends one parameter per id)."""
    return RawSQL(f'"{table}"."{column}" = ANY(%s::bigint[])', (ids,), output_field=BooleanField())


def _drawn_ids(matching: int) -> tuple[list[int], float]:
    """Ids to probe for about SAMPLE of `matching` movies (at most MAX_SAMPLE_ROWS), and the ids each stands for."""
    bounds = Movie.objects.aggregate(low=Min("pk"), high=Max("pk"))  # two index reads
    if bounds["low"] is None:
        return [], 1.0
    low, span = bounds["low"], bounds["high"] - bounds["low"] + 1
    probes = min(span, MAX_SAMPLE_ROWS, max(SAMPLE, math.ceil(SAMPLE * span / max(matching, 1))))
    stride = span / probes
    rng = random.Random(13)
    return [low + int((n + rng.random()) * stride) for n in range(probes)], stride


def _counted_set(movies: QuerySet) -> tuple[list[int], float, bool]:
    """(the ids of the movies to count, the factor that scales their counts, estimated?)."""
    ranked_ids = getattr(movies, "search_ids", None)
    if ranked_ids is not None and getattr(movies, "known_count", None) is not None:
        # A search: its ranked candidates, without reading deeper than the page did.
        if getattr(movies, "search_deeper", None) is None:
            return ranked_ids, 1.0, False
        return ranked_ids, max(movies.known_count, len(ranked_ids)) / len(ranked_ids), True
    first = list(movies.order_by().values_list("pk", flat=True)[: SAMPLE + 1])
    if len(first) <= SAMPLE:
        return first, 1.0, False
    from core.api import estimated_count

    matching = max(estimated_count(movies), SAMPLE)
    drawn, stride = _drawn_ids(matching)
    # The filter applied to the drawn rows only (by primary key), never to the whole table.
    sampled = list(movies.order_by().filter(_id_in(Movie._meta.db_table, drawn)).values_list("pk", flat=True))
    if not sampled:  # the draw held none of the set (a narrow filter over a large table): its first rows
        return first[:SAMPLE], matching / SAMPLE, True
    return sampled, stride, stride > 1.0


def movie_facets(movies: QuerySet, *, names: list[str], language: str | None) -> dict[str, list[dict]]:
    """Counts of each value of the facets `names` among `movies` (most frequent first; years newest first).

    Each value: {"value", "label", "count"}, and "count_is_estimate": true when counted over a sample.
    """
    ids, scale, estimated = _counted_set(movies)

    def item(value, label, count) -> dict:
        found = {"value": value, "label": label, "count": round(count * scale)}
        if estimated:
            found["count_is_estimate"] = True
        return found

    facets: dict[str, list[dict]] = {}
    if "genre" in names:
        through = Movie.genres.through.objects.filter(_id_in(Movie.genres.through._meta.db_table, ids, "movie_id"))
        counts = dict(through.values_list("genre_id").annotate(count=Count("*")).values_list("genre_id", "count"))
        genres = Genre.objects.filter(pk__in=list(counts))
        facets["genre"] = sorted(
            (item(genre.slug, genre.name_in(language), counts[genre.pk]) for genre in genres),
            key=lambda row: (-row["count"], row["value"]),
        )
    base = Movie.objects.filter(_id_in(Movie._meta.db_table, ids)).order_by()
    if "year" in names:
        rows = base.filter(year__isnull=False).values("year").annotate(count=Count("pk")).order_by("-year")
        facets["year"] = [item(row["year"], str(row["year"]), row["count"]) for row in rows]
    if "country" in names:
        rows = (
            base.annotate(country=Func("countries", function="unnest")).values("country")
            .annotate(count=Count("pk")).order_by("-count", "country")
        )
        facets["country"] = [item(row["country"], row["country"], row["count"]) for row in rows]
    if "age_rating" in names:
        rows = base.exclude(age_rating="").values("age_rating").annotate(count=Count("pk")).order_by("age_rating")
        facets["age_rating"] = [item(r["age_rating"], r["age_rating"], r["count"]) for r in rows]
    return facets
