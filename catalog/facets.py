"""Facet counts of a movie list (`?facets=genre,year,country,age_rating`), at a cost bounded by a sample.

Counting every value over every matching movie costs what the matches cost (a GROUP BY over
100k movies, about 0.5 s on the bench machine), so:
- a set of at most SAMPLE movies (a narrow filter, a search that read all its matches) is counted
  exactly;
- a larger set is counted over a sample, and each count is scaled up and flagged
  (`count_is_estimate: true`): movies drawn from a fixed random sample of the table's pages
  (`TABLESAMPLE SYSTEM ... REPEATABLE`, so the answer is the same on every request), at most
  MAX_SAMPLE_ROWS rows read whatever the catalog's size;
- a search that read only its first candidates counts those, scaled to its (estimated) count.
Values a sample misses are missing from the answer: rare values of a large set may not show.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Count, Func, QuerySet
from django.db.models.expressions import RawSQL

from catalog.models import Genre, Movie

SAMPLE = 2000  # at most this many movies are counted exactly
MAX_SAMPLE_ROWS = 20000  # the most rows a sample reads, whatever the catalog's size


def _id_in(table: str, ids: list[int], column: str = "id") -> RawSQL:
    """`column = ANY(ids)`: one array parameter (`pk__in` sends one parameter per id)."""
    return RawSQL(f'"{table}"."{column}" = ANY(%s::bigint[])', (ids,), output_field=BooleanField())


def _table_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT greatest(reltuples, 1) FROM pg_class WHERE oid = %s::regclass", [Movie._meta.db_table])
        return float(cursor.fetchone()[0])


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

    rows = _table_rows()
    matching = max(estimated_count(movies), SAMPLE)
    # Pages enough for about SAMPLE matching movies, never more than MAX_SAMPLE_ROWS rows.
    percent = min(100.0, 100.0 * SAMPLE / matching, 100.0 * MAX_SAMPLE_ROWS / rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Movie._meta.db_table} TABLESAMPLE SYSTEM (%s) REPEATABLE (13)", [percent])
        drawn = [row[0] for row in cursor.fetchall()]
    # The filter applied to the drawn rows only (by primary key), never to the whole table.
    sampled = list(movies.order_by().filter(_id_in(Movie._meta.db_table, drawn)).values_list("pk", flat=True))
    if not sampled:  # the drawn pages held none of the set (a small table, a narrow filter): its first rows
        return first[:SAMPLE], matching / SAMPLE, True
    return sampled, 100.0 / percent, percent < 100.0


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
