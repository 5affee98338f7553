"""People: one Person per actor_id across the staged cast lists, upserted into people_person."""

from __future__ import annotations

from etl.merge.result import LoadResult
from etl.merge.sql import ETL_NOW, all_rows, one

WORK_TABLES = ("etl_stg_person",)


def upsert_people(cursor, result: LoadResult, report) -> None:
    # One Person per actor_id across the feed and the CMS documents; the last mention wins (CMS after the
    # partner), a birth date is never cleared by a mention without one, and disagreements are reported.
    conflicts = all_rows(
        cursor,
        """
        WITH conflicting AS (  -- min <> max: a cheap hash aggregate finds the few actors worth a closer look
            SELECT actor_ext FROM etl_stg_cast GROUP BY actor_ext
            HAVING min(full_name) <> max(full_name) OR min(birth_date) <> max(birth_date)
            ORDER BY actor_ext LIMIT 100000
        )
        SELECT c.actor_ext,
               array_agg(DISTINCT c.full_name ORDER BY c.full_name),
               array_agg(DISTINCT c.birth_date::text ORDER BY c.birth_date::text) FILTER (WHERE c.birth_date IS NOT NULL)
        FROM etl_stg_cast c JOIN conflicting USING (actor_ext) GROUP BY c.actor_ext ORDER BY c.actor_ext
        """,
    )
    for actor_ext, names, dates in conflicts:
        parts = []
        if len(names) > 1:
            parts.append("full_name " + " / ".join(repr(n) for n in names[:5]))
        if dates and len(dates) > 1:
            parts.append("birth_date " + " / ".join(dates[:5]))
        report("partner", str(actor_ext), "actor", f"actor_id {actor_ext} has conflicting {'; '.join(parts)}; the last one is kept", "reported")
    cursor.execute(
        """
        CREATE TEMP TABLE etl_stg_person ON COMMIT DROP AS
        SELECT n.actor_ext, n.full_name, b.birth_date
        FROM (SELECT DISTINCT ON (actor_ext) actor_ext, full_name FROM etl_stg_cast
              ORDER BY actor_ext, source = 'cms' DESC, pos DESC, billing DESC) n
        LEFT JOIN (SELECT DISTINCT ON (actor_ext) actor_ext, birth_date FROM etl_stg_cast WHERE birth_date IS NOT NULL
                   ORDER BY actor_ext, source = 'cms' DESC, pos DESC, billing DESC) b USING (actor_ext)
        """
    )
    created, updated, total = one(
        cursor,
        f"""
        WITH up AS (
            INSERT INTO people_person AS p (external_id, full_name, birth_date, created_at, updated_at)
            SELECT s.actor_ext, s.full_name, s.birth_date, {ETL_NOW}, {ETL_NOW}
            FROM etl_stg_person s LEFT JOIN people_person cur ON cur.external_id = s.actor_ext
            -- Unchanged people are left out here: ON CONFLICT would still lock (and so write) their rows.
            WHERE cur.id IS NULL OR cur.full_name IS DISTINCT FROM s.full_name
               OR (s.birth_date IS NOT NULL AND cur.birth_date IS DISTINCT FROM s.birth_date)
            ORDER BY s.actor_ext
            ON CONFLICT (external_id) DO UPDATE
                SET full_name = EXCLUDED.full_name, birth_date = COALESCE(EXCLUDED.birth_date, p.birth_date),
                    updated_at = EXCLUDED.updated_at
                WHERE p.full_name IS DISTINCT FROM EXCLUDED.full_name
                   OR (EXCLUDED.birth_date IS NOT NULL AND p.birth_date IS DISTINCT FROM EXCLUDED.birth_date)
            RETURNING xmax = 0 AS created
        )
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created), (SELECT count(*) FROM etl_stg_person)
        FROM up
        """,
    )
    result.people.created, result.people.updated = created, updated
    result.people.unchanged = total - created - updated
