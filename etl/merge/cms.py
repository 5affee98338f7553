"""CMS documents: the staged row, documents of unknown movies dropped, and the sync of catalog_cmsdescription."""

from __future__ import annotations

from typing import NamedTuple

from etl.cleaning import CmsDocument
from etl.merge.credits import StagedCast, stage_cast
from etl.merge.result import LoadResult
from etl.merge.sql import ETL_NOW, all_rows, one
from etl.merge.staging import Staging


class StagedCms(NamedTuple):
    table = "etl_stg_cms"
    index = ("movie_ext",)

    pos: int
    document_key: str
    movie_ext: int
    language: str
    text: str
    has_cast: bool


def stage_cms(staging: Staging, pos: int, key: str, document: CmsDocument) -> None:
    """Stage CMS document number `pos` (stored at `key`) and its cast list."""
    stage_cast(staging, "cms", pos, document.movie_id, document.cast)
    staging.add(StagedCms(pos, key, document.movie_id, document.language, document.description, document.cast is not None))


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
        cursor.execute(
            f"DELETE FROM {StagedCast.table} WHERE source = 'cms' AND pos = ANY(%s)", [[pos for pos, _, _ in unknown]]
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
