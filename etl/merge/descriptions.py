"""The stored description of every movie the run touched (`description` / `source_used`), and the movie counts.

`_resolve_descriptions(cursor, result)` is self-contained: it reads the bookkeeping tables etl_touched,
etl_changed and etl_credit_changed that the earlier steps filled (see etl.merge).
"""

from __future__ import annotations

from django.db.models.expressions import RawSQL

from etl.merge.result import LoadResult
from etl.merge.sql import one as _one
from overrides.services import descriptions_refresh


def _resolve_descriptions(cursor, result: LoadResult) -> None:
    # The stored own-language description of every touched movie, by the one rule and the one writer of it
    # (overrides.services.descriptions_refresh, same connection and transaction); overrides are only read.
    now = _one(cursor, "SELECT current_setting('etl.now')::timestamptz")[0]
    changed = descriptions_refresh(movie_ids=RawSQL("SELECT movie_id FROM etl_touched", ()), now=now)
    cursor.execute("INSERT INTO etl_changed SELECT unnest(%s::bigint[]), false", [changed])
    cursor.execute(
        """
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
