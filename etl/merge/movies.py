"""Movies from the partner feed: the staged row, repeated ids dropped, and the upsert into catalog_movie.

Adding a partner field to movies: the field in etl.cleaning (MovieRecord, clean_movie), then here a field
of StagedMovie and its catalog column in COLUMNS. A column an editor pinned (catalog_movie.pinned_fields,
see catalog.models.FEED_FIELDS) keeps the editor's value.
"""

from __future__ import annotations

from typing import NamedTuple

from etl.cleaning import MovieRecord
from etl.merge.credits import StagedCast, stage_cast
from etl.merge.genres import StagedGenre, stage_genres
from etl.merge.result import LoadResult
from etl.merge.sql import ETL_NOW, all_rows, one
from etl.merge.staging import Staging


class StagedMovie(NamedTuple):
    table = "etl_stg_movie"
    index = ("external_id",)
    sql_types = {"year": "integer", "runtime": "integer", "countries": "varchar(2)[]"}

    pos: int
    external_id: int
    title: str
    language: str
    description: str
    has_cast: bool
    year: int | None
    runtime: int | None
    age_rating: str
    countries: list
    has_genres: bool
    has_crew: bool


# Staged field -> catalog_movie column, for the partner's fields compared and written on every run.
COLUMNS = {
    "title": "title", "language": "language", "description": "partner_description",
    "year": "year", "runtime": "runtime", "age_rating": "age_rating", "countries": "countries",
}


def stage_movie(staging: Staging, pos: int, record: MovieRecord) -> None:
    """Stage partner record number `pos` with its cast, crew and genre lists."""
    stage_cast(staging, "partner", pos, record.movie_id, record.cast, record.crew)
    stage_genres(staging, "partner", pos, record.movie_id, record.genres)
    staging.add(StagedMovie(
        pos, record.movie_id, record.title, record.language, record.description, record.cast is not None,
        record.year, record.runtime, record.age_rating, list(record.countries), record.genres is not None,
        record.crew is not None,
    ))


def drop_repeated_movies(cursor, report) -> None:
    # A repeated movie_id keeps its first record; ON CONFLICT could not take both in one statement anyway.
    repeats = all_rows(
        cursor,
        """
        DELETE FROM etl_stg_movie s USING (
            SELECT pos, min(pos) OVER (PARTITION BY external_id) AS first FROM etl_stg_movie
        ) d WHERE s.pos = d.pos AND d.pos <> d.first
        RETURNING s.pos, s.external_id, d.first
        """,
    )
    for pos, external_id, first in sorted(repeats):
        report("partner", str(external_id), f"record {pos}", f"movie_id {external_id} repeats record {first}; the first one is kept")
    if repeats:
        positions = [pos for pos, _, _ in repeats]
        cursor.execute(f"DELETE FROM {StagedCast.table} WHERE source = 'partner' AND pos = ANY(%s)", [positions])
        cursor.execute(f"DELETE FROM {StagedGenre.table} WHERE source = 'partner' AND pos = ANY(%s)", [positions])


def _unless_pinned(row: str, column: str, value: str) -> str:
    return f"CASE WHEN '{column}' = ANY({row}.pinned_fields) THEN {row}.{column} ELSE {value} END"


def upsert_movies(cursor, result: LoadResult) -> None:
    """Insert new movies and update changed, unpinned partner fields; fills etl_changed and etl_touched."""
    staged = [f"s.{field}" for field in COLUMNS]
    wanted = [_unless_pinned("cur", column, f"s.{field}") for field, column in COLUMNS.items()]
    current = [f"cur.{column}" for column in COLUMNS.values()]
    target = [f"m.{column}" for column in COLUMNS.values()]
    excluded = [_unless_pinned("m", column, f"EXCLUDED.{column}") for column in COLUMNS.values()]
    columns = ", ".join(COLUMNS.values())
    assignments = ", ".join(f"{column} = {_unless_pinned('m', column, f'EXCLUDED.{column}')}" for column in COLUMNS.values())
    cursor.execute(
        f"""
        WITH up AS (
            INSERT INTO catalog_movie AS m (external_id, {columns}, description, source_used,
                                            is_published, created_at, updated_at)
            SELECT s.external_id, {", ".join(staged)}, s.description, 'partner', true, {ETL_NOW}, {ETL_NOW}
            FROM etl_stg_movie s LEFT JOIN catalog_movie cur ON cur.external_id = s.external_id
            WHERE cur.id IS NULL OR ({", ".join(current)}) IS DISTINCT FROM ({", ".join(wanted)})
            ORDER BY s.external_id
            ON CONFLICT (external_id) DO UPDATE
                SET {assignments}, updated_at = EXCLUDED.updated_at
                WHERE ({", ".join(target)}) IS DISTINCT FROM ({", ".join(excluded)})
            RETURNING id, xmax = 0 AS created
        )
        INSERT INTO etl_changed SELECT id, created FROM up;
        INSERT INTO etl_touched SELECT m.id FROM catalog_movie m JOIN etl_stg_movie s ON s.external_id = m.external_id;
        """
    )
    result.movies.missing = one(
        cursor,
        """
        SELECT count(*) FROM catalog_movie m WHERE m.external_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM etl_stg_movie s WHERE s.external_id = m.external_id)
        """,
    )[0]
