"""The set-based load: staged rows (COPY into temporary tables) merged into the catalog with a few SQL statements.

Every statement writes only rows whose content differs (`IS DISTINCT FROM`), so an unchanged feed
writes nothing, and all of it runs inside the caller's transaction (a failure leaves the catalog as it was).
The description rule here must stay the one of overrides.selectors.resolve_description.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from etl.cleaning import CastMember

STAGING_DDL = """
DROP TABLE IF EXISTS etl_stg_movie, etl_stg_cast, etl_stg_cms, etl_stg_person, etl_cast_scope, etl_stg_credit,
    etl_touched, etl_changed, etl_credit_changed;
CREATE TEMP TABLE etl_stg_movie (pos bigint, external_id bigint, title text, language text, description text,
    has_cast boolean) ON COMMIT DROP;
CREATE TEMP TABLE etl_stg_cast (source text, pos bigint, movie_ext bigint, actor_ext bigint, full_name text,
    birth_date date, role_name text, billing integer) ON COMMIT DROP;
CREATE TEMP TABLE etl_stg_cms (pos bigint, document_key text, movie_ext bigint, language text, text text,
    has_cast boolean) ON COMMIT DROP;
"""
CLEANUP_DDL = """
DROP TABLE IF EXISTS etl_stg_movie, etl_stg_cast, etl_stg_cms, etl_stg_person, etl_cast_scope, etl_stg_credit,
    etl_touched, etl_changed, etl_credit_changed
"""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    missing: int = 0

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v or k in ("created", "updated", "unchanged")}


@dataclass
class LoadResult:
    movies: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    credits: Counts = field(default_factory=Counts)
    cms: Counts = field(default_factory=Counts)

    def as_dict(self) -> dict:
        return {name: getattr(self, name).as_dict() for name in ("movies", "people", "credits", "cms")}

    def totals(self) -> tuple[int, int, int]:
        parts = [self.movies, self.people, self.credits, self.cms]
        return (sum(p.created for p in parts), sum(p.updated + p.deleted for p in parts), sum(p.unchanged for p in parts))


class Staging:
    """Buffers cleaned rows and COPYs them into the temporary tables in batches."""

    def __init__(self, cursor, batch_size: int = 5000):
        self.cursor = cursor
        self.batch_size = batch_size
        self.movies: list[tuple] = []
        self.cast: list[tuple] = []
        self.cms: list[tuple] = []
        cursor.execute(STAGING_DDL)

    def add_movie(self, pos: int, movie_id: int, title: str, language: str, description: str, cast) -> None:
        self.movies.append((pos, movie_id, title, language, description, cast is not None))
        self._add_cast("partner", pos, movie_id, cast)
        if len(self.movies) >= self.batch_size:
            self.flush()

    def add_cms(self, pos: int, key: str, movie_id: int, language: str, text: str, cast) -> None:
        self.cms.append((pos, key, movie_id, language, text, cast is not None))
        self._add_cast("cms", pos, movie_id, cast)
        if len(self.cms) >= self.batch_size:
            self.flush()

    def _add_cast(self, source: str, pos: int, movie_id: int, cast: Iterable[CastMember] | None) -> None:
        for billing, member in enumerate(cast or ()):
            self.cast.append(
                (source, pos, movie_id, member.actor_id, member.full_name, member.birth_date, member.role_name, billing)
            )

    def flush(self) -> None:
        for table, columns, rows in (
            ("etl_stg_movie", "pos, external_id, title, language, description, has_cast", self.movies),
            ("etl_stg_cast", "source, pos, movie_ext, actor_ext, full_name, birth_date, role_name, billing", self.cast),
            ("etl_stg_cms", "pos, document_key, movie_ext, language, text, has_cast", self.cms),
        ):
            if rows:
                with self.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                rows.clear()


def _one(cursor, sql: str, params=()) -> tuple:
    cursor.execute(sql, params)
    return cursor.fetchone()


def _all(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def merge(cursor, *, cms_prefix_url: str | None, report, now) -> LoadResult:
    """Merge the staged rows into the catalog; `report(source, record_id, position, reason, outcome)` gets problems.

    `now` stamps every row this run changes (one time for the whole run, readable as etl.now in SQL).
    """
    result = LoadResult()
    cursor.execute("SELECT set_config('etl.now', %s, true)", [now.isoformat()])
    cursor.execute(
        """
        CREATE INDEX ON etl_stg_movie (external_id);
        CREATE INDEX ON etl_stg_cast (source, pos);
        CREATE INDEX ON etl_stg_cms (movie_ext);
        ANALYZE etl_stg_movie; ANALYZE etl_stg_cast; ANALYZE etl_stg_cms;
        CREATE TEMP TABLE etl_touched (movie_id bigint) ON COMMIT DROP;
        CREATE TEMP TABLE etl_changed (movie_id bigint, created boolean) ON COMMIT DROP;
        CREATE TEMP TABLE etl_credit_changed (movie_id bigint) ON COMMIT DROP;
        """
    )
    _drop_repeated_movies(cursor, report)
    _drop_cms_of_unknown_movies(cursor, report)
    _upsert_people(cursor, result, report)
    _upsert_movies(cursor, result)
    if cms_prefix_url is not None:
        _upsert_cms(cursor, result, cms_prefix_url)
    _replace_credits(cursor, result)
    _resolve_descriptions(cursor, result)
    cursor.execute(CLEANUP_DDL)
    return result


def _drop_repeated_movies(cursor, report) -> None:
    # A repeated movie_id keeps its first record; ON CONFLICT could not take both in one statement anyway.
    repeats = _all(
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
        cursor.execute(
            "DELETE FROM etl_stg_cast WHERE source = 'partner' AND pos = ANY(%s)", [[pos for pos, _, _ in repeats]]
        )


def _upsert_people(cursor, result: LoadResult, report) -> None:
    # One Person per actor_id across the feed and the CMS documents; the last mention wins (CMS after the
    # partner), a birth date is never cleared by a mention without one, and disagreements are reported.
    conflicts = _all(
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
    created, updated, total = _one(
        cursor,
        """
        WITH up AS (
            INSERT INTO people_person AS p (external_id, full_name, birth_date, created_at, updated_at)
            SELECT s.actor_ext, s.full_name, s.birth_date, current_setting('etl.now')::timestamptz,
                   current_setting('etl.now')::timestamptz
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


def _upsert_movies(cursor, result: LoadResult) -> None:
    cursor.execute(
        """
        WITH up AS (
            INSERT INTO catalog_movie AS m (external_id, title, language, partner_description, description, source_used,
                                            is_published, created_at, updated_at)
            SELECT s.external_id, s.title, s.language, s.description, s.description, 'partner', true,
                   current_setting('etl.now')::timestamptz, current_setting('etl.now')::timestamptz
            FROM etl_stg_movie s LEFT JOIN catalog_movie cur ON cur.external_id = s.external_id
            WHERE cur.id IS NULL
               OR (cur.title, cur.language, cur.partner_description) IS DISTINCT FROM (s.title, s.language, s.description)
            ORDER BY s.external_id
            ON CONFLICT (external_id) DO UPDATE
                SET title = EXCLUDED.title, language = EXCLUDED.language,
                    partner_description = EXCLUDED.partner_description, updated_at = EXCLUDED.updated_at
                WHERE (m.title, m.language, m.partner_description)
                      IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.language, EXCLUDED.partner_description)
            RETURNING id, xmax = 0 AS created
        )
        INSERT INTO etl_changed SELECT id, created FROM up;
        INSERT INTO etl_touched SELECT m.id FROM catalog_movie m JOIN etl_stg_movie s ON s.external_id = m.external_id;
        """
    )
    result.movies.missing = _one(
        cursor,
        """
        SELECT count(*) FROM catalog_movie m WHERE m.external_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM etl_stg_movie s WHERE s.external_id = m.external_id)
        """,
    )[0]


def _drop_cms_of_unknown_movies(cursor, report) -> None:
    unknown = _all(
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
        cursor.execute("DELETE FROM etl_stg_cast WHERE source = 'cms' AND pos = ANY(%s)", [[pos for pos, _, _ in unknown]])


def _upsert_cms(cursor, result: LoadResult, prefix_url: str) -> None:
    created, updated, total = _one(
        cursor,
        """
        WITH up AS (
            INSERT INTO catalog_cmsdescription AS c (movie_id, language, text, document_key, updated_at)
            SELECT m.id, s.language, s.text, s.document_key, current_setting('etl.now')::timestamptz
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
    deleted = _all(
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


def _replace_credits(cursor, result: LoadResult) -> None:
    # Which actor list governs each movie: its CMS document's (the one in the movie's own language first),
    # else the partner record's when it has one. Movies with neither keep their credits.
    cursor.execute(
        """
        CREATE TEMP TABLE etl_cast_scope ON COMMIT DROP AS
        SELECT DISTINCT ON (movie_id) movie_id, source, pos FROM (
            SELECT m.id AS movie_id, 'cms'::text AS source, s.pos, 0 AS rank, s.language = m.language AS own, s.language
            FROM etl_stg_cms s JOIN catalog_movie m ON m.external_id = s.movie_ext WHERE s.has_cast
            UNION ALL
            SELECT m.id, 'partner', s.pos, 1, true, '' FROM etl_stg_movie s JOIN catalog_movie m ON m.external_id = s.external_id
            WHERE s.has_cast
        ) candidates
        ORDER BY movie_id, rank, own DESC, language;
        CREATE UNIQUE INDEX ON etl_cast_scope (movie_id);
        ANALYZE etl_cast_scope;
        CREATE TEMP TABLE etl_stg_credit ON COMMIT DROP AS
        SELECT DISTINCT ON (sc.movie_id, p.id, c.role_name) sc.movie_id, p.id AS person_id, c.role_name, c.billing
        FROM etl_cast_scope sc
        JOIN etl_stg_cast c ON c.source = sc.source AND c.pos = sc.pos
        JOIN people_person p ON p.external_id = c.actor_ext
        ORDER BY sc.movie_id, p.id, c.role_name, c.billing;
        CREATE UNIQUE INDEX ON etl_stg_credit (movie_id, person_id, role_name);
        ANALYZE etl_stg_credit;
        """
    )
    deleted = _one(
        cursor,
        """
        WITH gone AS (
            DELETE FROM people_credit e USING etl_cast_scope sc, people_person p
            -- Only credits of partner people: a person an editor created here (no external id) keeps theirs.
            WHERE e.movie_id = sc.movie_id AND p.id = e.person_id AND p.external_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM etl_stg_credit d
                WHERE d.movie_id = e.movie_id AND d.person_id = e.person_id AND d.role_name = e.role_name)
            RETURNING e.movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM gone)
        SELECT count(*) FROM gone
        """,
    )[0]
    updated = _one(
        cursor,
        """
        WITH moved AS (
            UPDATE people_credit e SET billing_order = d.billing FROM etl_stg_credit d
            WHERE d.movie_id = e.movie_id AND d.person_id = e.person_id AND d.role_name = e.role_name
              AND e.billing_order <> d.billing
            RETURNING e.movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM moved)
        SELECT count(*) FROM moved
        """,
    )[0]
    created, total = _one(
        cursor,
        """
        WITH added AS (
            INSERT INTO people_credit (movie_id, person_id, role_name, billing_order)
            SELECT d.movie_id, d.person_id, d.role_name, d.billing FROM etl_stg_credit d
            WHERE NOT EXISTS (SELECT 1 FROM people_credit e
                              WHERE e.movie_id = d.movie_id AND e.person_id = d.person_id AND e.role_name = d.role_name)
            ORDER BY d.movie_id, d.billing
            RETURNING movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM added)
        SELECT count(*), (SELECT count(*) FROM etl_stg_credit) FROM added
        """,
    )
    result.credits.created, result.credits.updated, result.credits.deleted = created, updated, deleted
    result.credits.unchanged = total - created - updated


def _resolve_descriptions(cursor, result: LoadResult) -> None:
    # The stored own-language description of every touched movie, by the one rule and the one writer of it
    # (overrides.services.descriptions_refresh, same connection and transaction); overrides are only read.
    from django.db.models.expressions import RawSQL

    from overrides.services import descriptions_refresh

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
