"""The set-based load: staged rows (COPY into temporary tables) merged into the catalog, one step per table.

Every statement writes only rows whose content differs (`IS DISTINCT FROM`), so an unchanged feed
writes nothing, and all of it runs inside the caller's transaction (a failure leaves the catalog as it was).

    staging = new_staging(cursor)          # the temporary tables of the staged rows
    stage_movie(staging, pos, record); stage_cms(staging, pos, key, document) ...; staging.flush()
    result = merge(cursor, cms_prefix_url=..., report=..., now=...)

Each step lives in its own module: movies, people, cms, credits, genres, descriptions.
"""

from __future__ import annotations

from etl.merge import cms, credits, genres, movies, people
from etl.merge.cms import StagedCms, stage_cms
from etl.merge.credits import StagedCast
from etl.merge.descriptions import _resolve_descriptions
from etl.merge.genres import StagedGenre
from etl.merge.movies import StagedMovie, stage_movie
from etl.merge.result import Counts, LoadResult
from etl.merge.sql import drop_tables
from etl.merge.staging import Staging, prepare_for_merge

STAGED_ROWS = (StagedMovie, StagedCast, StagedCms, StagedGenre)
# What the steps tell each other: movies touched (their description is resolved again), movies changed
# (created or not), movies whose credits changed.
BOOKKEEPING = {
    "etl_touched": "movie_id bigint",
    "etl_changed": "movie_id bigint, created boolean",
    "etl_credit_changed": "movie_id bigint",
}
BOOKKEEPING_TABLES = tuple(BOOKKEEPING)
WORK_TABLES = (*cms.WORK_TABLES, *people.WORK_TABLES, *credits.WORK_TABLES, *genres.WORK_TABLES, *BOOKKEEPING_TABLES)


def new_staging(cursor, batch_size: int = 5000) -> Staging:
    """Empty staging tables for a run (left over ones of an earlier run in this transaction are dropped)."""
    drop_tables(cursor, WORK_TABLES)
    return Staging(cursor, STAGED_ROWS, batch_size=batch_size)


def merge(cursor, *, cms_prefix_url: str | None, report, now) -> LoadResult:
    """Merge the staged rows into the catalog; `report(source, record_id, position, reason, outcome)` gets problems.

    `now` stamps every row this run changes (one time for the whole run, readable as etl.now in SQL).
    `cms_prefix_url` None: no CMS documents were read, the stored ones stay as they are.
    """
    result = LoadResult()
    cursor.execute("SELECT set_config('etl.now', %s, true)", [now.isoformat()])
    for row_type in STAGED_ROWS:
        prepare_for_merge(cursor, row_type)
    for table, columns in BOOKKEEPING.items():
        cursor.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
    movies.drop_repeated_movies(cursor, report)
    cms.drop_cms_of_unknown_movies(cursor, report)
    people.upsert_people(cursor, result, report)
    cms.apply_cms_facts(cursor)
    movies.upsert_movies(cursor, result)
    if cms_prefix_url is not None:
        cms.upsert_cms(cursor, result, cms_prefix_url)
    credits.replace_credits(cursor, result)
    genres.sync_genres(cursor)
    _resolve_descriptions(cursor, result)
    drop_tables(cursor, (*(row.table for row in STAGED_ROWS), *WORK_TABLES))
    return result


__all__ = ["Counts", "LoadResult", "StagedCast", "StagedCms", "StagedMovie", "Staging", "merge", "new_staging",
           "stage_cms", "stage_movie"]
