"""CMS documents: the staged row, documents of unknown movies dropped, their catalog facts laid over the
partner's, and the sync of catalog_cmsdescription.

A document's value wins over the partner's where the document has one (null or missing: the partner's
stands); among a movie's documents, the one in the movie's own language first, then the first language code.
A column an editor pinned keeps the editor's value over both.
"""

from __future__ import annotations

from typing import NamedTuple

from etl.cleaning import CmsDocument
from etl.merge.credits import StagedCast, stage_cast
from etl.merge.genres import StagedGenre, stage_genres
from etl.merge.result import LoadResult
from etl.merge.sql import ETL_NOW, all_rows, one
from etl.merge.staging import Staging


class StagedCms(NamedTuple):
    table = "etl_stg_cms"
    index = ("movie_ext",)
    sql_types = {"year": "integer", "runtime": "integer", "countries": "varchar(2)[]"}

    pos: int
    document_key: str
    movie_ext: int
    language: str
    text: str
    has_cast: bool
    year: int | None  # the catalog facts: NULL where the document says nothing
    runtime: int | None
    age_rating: str | None
    countries: list | None
    has_genres: bool
    has_crew: bool


WORK_TABLES = ("etl_cms_fact", "etl_cms_facts")

# Staged CMS fact -> catalog_movie column (each also a column of StagedMovie under the same name).
FACTS = {"year": "year", "runtime": "runtime", "age_rating": "age_rating", "countries": "countries"}


def stage_cms(staging: Staging, pos: int, key: str, document: CmsDocument) -> None:
    """Stage CMS document number `pos` (stored at `key`) with its cast, crew and genre lists."""
    stage_cast(staging, "cms", pos, document.movie_id, document.cast, document.crew)
    stage_genres(staging, "cms", pos, document.movie_id, document.genres)
    staging.add(StagedCms(
        pos, key, document.movie_id, document.language, document.description, document.cast is not None,
        document.year, document.runtime, document.age_rating,
        list(document.countries) if document.countries is not None else None,
        document.genres is not None, document.crew is not None,
    ))


def drop_cms_of_unknown_movies(cursor, report) -> None:
    unknown = all_rows(
        cursor,
        """
        DELETE FROM etl_stg_cms s
        WHERE NOT EXISTS (SELECT 1 FROM catalog_movie m WHERE m.external_id = s.movie_ext)
          AND NOT EXISTS (SELECT 1 FROM etl_stg_movie f WHERE f.external_id = s.movie_ext)
        RETURNING s.pos, s.movie_ext, s.document_key
        """,
    )
    for _, movie_ext, key in sorted(unknown):
        report("cms", str(movie_ext), key, f"movie {movie_ext} is neither in the catalog nor in the feed")
    if unknown:
        positions = [pos for pos, _, _ in unknown]
        cursor.execute(f"DELETE FROM {StagedCast.table} WHERE source = 'cms' AND pos = ANY(%s)", [positions])
        cursor.execute(f"DELETE FROM {StagedGenre.table} WHERE source = 'cms' AND pos = ANY(%s)", [positions])


def apply_cms_facts(cursor) -> None:
    """Lay the documents' catalog facts over the partner's, before the movies are upserted.

    A movie in the feed gets them in its staged row (so the upsert compares and writes once, and the unchanged
    re-run writes nothing); a catalog movie missing from this feed gets them written here (unless pinned).
    """
    wanted = " OR ".join(f"s.{fact} IS NOT NULL" for fact in FACTS)
    # The movie's own language decides between its documents: the editor's (pinned), else the feed's, else the catalog's.
    cursor.execute(
        f"""
        CREATE TEMP TABLE etl_cms_fact ON COMMIT DROP AS
        SELECT s.movie_ext, s.language, {", ".join(f"s.{fact}" for fact in FACTS)},
               s.language = COALESCE(CASE WHEN 'language' = ANY(m.pinned_fields) THEN m.language END,
                                     f.language, m.language) AS own
        FROM etl_stg_cms s
        LEFT JOIN etl_stg_movie f ON f.external_id = s.movie_ext
        LEFT JOIN catalog_movie m ON m.external_id = s.movie_ext
        WHERE {wanted}
        """
    )
    if not cursor.rowcount:
        return
    picks = ",\n".join(
        f"(SELECT d.{fact} FROM etl_cms_fact d WHERE d.movie_ext = k.movie_ext AND d.{fact} IS NOT NULL "
        f"ORDER BY d.own DESC, d.language LIMIT 1) AS {fact}"
        for fact in FACTS
    )
    cursor.execute(
        f"""
        CREATE INDEX ON etl_cms_fact (movie_ext);
        CREATE TEMP TABLE etl_cms_facts ON COMMIT DROP AS
        SELECT k.movie_ext, {picks} FROM (SELECT DISTINCT movie_ext FROM etl_cms_fact) k;
        CREATE UNIQUE INDEX ON etl_cms_facts (movie_ext);
        UPDATE etl_stg_movie s SET {", ".join(f"{fact} = COALESCE(c.{fact}, s.{fact})" for fact in FACTS)}
        FROM etl_cms_facts c WHERE c.movie_ext = s.external_id;
        """
    )
    keep = {column: f"CASE WHEN '{column}' = ANY(m.pinned_fields) THEN m.{column} ELSE COALESCE(c.{fact}, m.{column}) END"
            for fact, column in FACTS.items()}
    cursor.execute(
        f"""
        WITH up AS (
            UPDATE catalog_movie m SET {", ".join(f"{column} = {value}" for column, value in keep.items())},
                   updated_at = {ETL_NOW}
            FROM etl_cms_facts c
            WHERE m.external_id = c.movie_ext
              AND NOT EXISTS (SELECT 1 FROM etl_stg_movie s WHERE s.external_id = c.movie_ext)
              AND ({", ".join(f"m.{column}" for column in keep)}) IS DISTINCT FROM ({", ".join(keep.values())})
            RETURNING m.id
        )
        INSERT INTO etl_changed SELECT id, false FROM up;
        """
    )


def upsert_cms(cursor, result: LoadResult, prefix_url: str) -> None:
    """Insert or update the staged documents and delete those gone from the prefix; fills etl_touched."""
    created, updated, total = one(
        cursor,
        f"""
        WITH up AS (
            INSERT INTO catalog_cmsdescription AS c (movie_id, language, text, document_key, updated_at)
            SELECT m.id, s.language, s.text, s.document_key, {ETL_NOW}
            FROM etl_stg_cms s JOIN catalog_movie m ON m.external_id = s.movie_ext
            LEFT JOIN catalog_cmsdescription cur ON cur.movie_id = m.id AND cur.language = s.language
            WHERE cur.id IS NULL OR (cur.text, cur.document_key) IS DISTINCT FROM (s.text, s.document_key)
            ORDER BY m.id, s.language
            ON CONFLICT (movie_id, language) DO UPDATE
                SET text = EXCLUDED.text, document_key = EXCLUDED.document_key, updated_at = EXCLUDED.updated_at
                WHERE (c.text, c.document_key) IS DISTINCT FROM (EXCLUDED.text, EXCLUDED.document_key)
            RETURNING movie_id, xmax = 0 AS created
        ), touched AS (INSERT INTO etl_touched SELECT movie_id FROM up)
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), (SELECT count(*) FROM etl_stg_cms)
        FROM up
        """,
    )
    # Documents gone from the bucket are gone from the catalog, but only those read from this prefix.
    deleted = all_rows(
        cursor,
        """
        WITH gone AS (
            DELETE FROM catalog_cmsdescription c
            WHERE left(c.document_key, length(%(prefix)s)) = %(prefix)s
              AND NOT EXISTS (SELECT 1 FROM etl_stg_cms s JOIN catalog_movie m ON m.external_id = s.movie_ext
                              WHERE m.id = c.movie_id AND s.language = c.language)
            RETURNING c.movie_id
        ), touched AS (INSERT INTO etl_touched SELECT movie_id FROM gone)
        SELECT count(*) FROM gone
        """,
        {"prefix": prefix_url.rstrip("/") + "/"},
    )[0][0]
    result.cms.created, result.cms.updated, result.cms.deleted = created, updated, deleted
    result.cms.unchanged = total - created - updated
