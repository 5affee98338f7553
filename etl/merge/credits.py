"""Credits: the staged cast and crew lists (partner records and CMS documents) and their replacement of people_credit.

A cast list governs a movie's actor credits, a crew list its other jobs: a record with one and not the other
leaves the other kind of credit alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from etl.cleaning import CastMember, CrewMember
from etl.merge.result import LoadResult
from etl.merge.sql import one
from etl.merge.staging import Staging

WORK_TABLES = ("etl_cast_scope", "etl_stg_credit")


class StagedCast(NamedTuple):
    """One person of a staged cast or crew list; `source` and `pos` name the record (partner) or document (cms)."""

    table = "etl_stg_cast"
    sql_types = {"billing": "integer"}  # people_credit.billing_order's type
    index = ("source", "pos")

    source: str
    pos: int
    movie_ext: int
    actor_ext: int
    full_name: str
    birth_date: datetime.date | None
    role_name: str
    billing: int
    job: str


def stage_cast(
    staging: Staging, source: str, pos: int, movie_id: int, cast: Iterable[CastMember] | None,
    crew: Iterable[CrewMember] | None = None,
) -> None:
    """Stage a record's cast and crew lists as StagedCast rows, built as plain tuples in its field order: a run
    stages hundreds of thousands, and a NamedTuple's constructor (Python code) costs several times a tuple's."""
    append = staging.rows[StagedCast].append
    for billing, member in enumerate(cast or ()):
        append((source, pos, movie_id, member.actor_id, member.full_name, member.birth_date, member.role_name, billing, "actor"))
    for billing, member in enumerate(crew or ()):
        append((source, pos, movie_id, member.actor_id, member.full_name, None, "", billing, member.job))


def replace_credits(cursor, result: LoadResult) -> None:
    # Which list governs each movie's actors (crew): its CMS document's (the one in the movie's own language
    # first), else the partner record's when it has one. Movies with neither keep those credits. The cast and
    # the crew are governed separately: a document with a crew list and no actors takes over the crew only.
    cursor.execute(
        """
        CREATE TEMP TABLE etl_cast_scope ON COMMIT DROP AS
        SELECT DISTINCT ON (movie_id, crew) movie_id, crew, source, pos FROM (
            SELECT m.id AS movie_id, false AS crew, 'cms'::text AS source, s.pos, 0 AS rank, s.language = m.language AS own, s.language
            FROM etl_stg_cms s JOIN catalog_movie m ON m.external_id = s.movie_ext WHERE s.has_cast
            UNION ALL
            SELECT m.id, false, 'partner', s.pos, 1, true, '' FROM etl_stg_movie s JOIN catalog_movie m ON m.external_id = s.external_id
            WHERE s.has_cast
            UNION ALL
            SELECT m.id, true, 'cms', s.pos, 0, s.language = m.language, s.language
            FROM etl_stg_cms s JOIN catalog_movie m ON m.external_id = s.movie_ext WHERE s.has_crew
            UNION ALL
            SELECT m.id, true, 'partner', s.pos, 1, true, '' FROM etl_stg_movie s JOIN catalog_movie m ON m.external_id = s.external_id
            WHERE s.has_crew
        ) candidates
        ORDER BY movie_id, crew, rank, own DESC, language;
        CREATE UNIQUE INDEX ON etl_cast_scope (movie_id, crew);
        ANALYZE etl_cast_scope;
        CREATE TEMP TABLE etl_stg_credit ON COMMIT DROP AS
        SELECT DISTINCT ON (sc.movie_id, p.id, c.job, c.role_name) sc.movie_id, p.id AS person_id, c.job, c.role_name, c.billing
        FROM etl_cast_scope sc
        JOIN etl_stg_cast c ON c.source = sc.source AND c.pos = sc.pos AND (c.job <> 'actor') = sc.crew
        JOIN people_person p ON p.external_id = c.actor_ext
        ORDER BY sc.movie_id, p.id, c.job, c.role_name, c.billing;
        CREATE UNIQUE INDEX ON etl_stg_credit (movie_id, person_id, job, role_name);
        ANALYZE etl_stg_credit;
        """
    )
    deleted = one(
        cursor,
        """
        WITH gone AS (
            DELETE FROM people_credit e USING etl_cast_scope sc, people_person p
            -- Only credits of partner people: a person an editor created here (no external id) keeps theirs.
            WHERE e.movie_id = sc.movie_id AND (e.job <> 'actor') = sc.crew
              AND p.id = e.person_id AND p.external_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM etl_stg_credit d
                WHERE d.movie_id = e.movie_id AND d.person_id = e.person_id AND d.job = e.job AND d.role_name = e.role_name)
            RETURNING e.movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM gone)
        SELECT count(*) FROM gone
        """,
    )[0]
    updated = one(
        cursor,
        """
        WITH moved AS (
            UPDATE people_credit e SET billing_order = d.billing FROM etl_stg_credit d
            WHERE d.movie_id = e.movie_id AND d.person_id = e.person_id AND d.job = e.job AND d.role_name = e.role_name
              AND e.billing_order <> d.billing
            RETURNING e.movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM moved)
        SELECT count(*) FROM moved
        """,
    )[0]
    created, total = one(
        cursor,
        """
        WITH added AS (
            INSERT INTO people_credit (movie_id, person_id, job, role_name, billing_order)
            SELECT d.movie_id, d.person_id, d.job, d.role_name, d.billing FROM etl_stg_credit d
            WHERE NOT EXISTS (SELECT 1 FROM people_credit e WHERE e.movie_id = d.movie_id AND e.person_id = d.person_id
                                                              AND e.job = d.job AND e.role_name = d.role_name)
            ORDER BY d.movie_id, d.billing
            RETURNING movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM added)
        SELECT count(*), (SELECT count(*) FROM etl_stg_credit) FROM added
        """,
    )
    result.credits.created, result.credits.updated, result.credits.deleted = created, updated, deleted
    result.credits.unchanged = total - created - updated
