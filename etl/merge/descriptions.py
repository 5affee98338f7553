"""The stored description of every movie the run touched (`description` / `source_used`), and the movie counts.

`_resolve_descriptions(cursor, result)` is self-contained: it reads the bookkeeping tables etl_touched,
etl_changed and etl_credit_changed that the earlier steps filled (see etl.merge).
"""

from __future__ import annotations

from etl.merge.result import LoadResult
from etl.merge.sql import all_rows as _all  # noqa: F401 - the helpers under the names the loader gave them
from etl.merge.sql import one as _one


def _resolve_descriptions(cursor, result: LoadResult) -> None:
    # Same rule as overrides.selectors.resolve_description, for the movie's own language, in one statement:
    # the editor's override, else the CMS document, else the partner text. Overrides are only read.
    cursor.execute(
        """
        WITH resolved AS (
            SELECT m.id,
                   COALESCE(o.text, c.text, m.partner_description) AS text,
                   CASE WHEN o.id IS NOT NULL THEN 'override' WHEN c.id IS NOT NULL THEN 'cms' ELSE 'partner' END AS source
            FROM catalog_movie m
            JOIN (SELECT DISTINCT movie_id FROM etl_touched) t ON t.movie_id = m.id
            LEFT JOIN overrides_descriptionoverride o ON o.movie_id = m.id AND o.language = m.language
            LEFT JOIN catalog_cmsdescription c ON c.movie_id = m.id AND c.language = m.language
        ), changed AS (
            UPDATE catalog_movie m SET description = r.text, source_used = r.source, updated_at = current_setting('etl.now')::timestamptz
            FROM resolved r
            WHERE m.id = r.id AND (m.description, m.source_used) IS DISTINCT FROM (r.text, r.source)
            RETURNING m.id
        )
        INSERT INTO etl_changed SELECT id, false FROM changed;
        -- A changed cast is a change of the movie's page: move its updated_at too.
        WITH cast_changed AS (
            UPDATE catalog_movie m SET updated_at = current_setting('etl.now')::timestamptz
            WHERE m.id IN (SELECT movie_id FROM etl_credit_changed) AND m.id NOT IN (SELECT movie_id FROM etl_changed)
            RETURNING m.id
        )
        INSERT INTO etl_changed SELECT id, false FROM cast_changed;
        """
    )
    created, updated, updated_in_feed, total = _one(
        cursor,
        """
        WITH per_movie AS (SELECT movie_id, bool_or(created) AS created FROM etl_changed GROUP BY movie_id)
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created),
               count(*) FILTER (WHERE NOT created AND EXISTS (
                   SELECT 1 FROM catalog_movie m JOIN etl_stg_movie s ON s.external_id = m.external_id WHERE m.id = movie_id)),
               (SELECT count(*) FROM etl_stg_movie)
        FROM per_movie
        """,
    )
    result.movies.created, result.movies.updated = created, updated
    result.movies.unchanged = total - created - updated_in_feed
