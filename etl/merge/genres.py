"""Genres: the staged genre lists of partner records and CMS documents, genres unknown so far created, and the
sync of movie <-> genre.

A genre list (names in any language, or slugs) replaces the movie's genres, unless an editor pinned them. The
list that governs is a CMS document's (the one in the movie's own language first), else the partner record's;
with neither (null or missing) the movie's genres are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from etl.cleaning import GenreName
from etl.merge.sql import one
from etl.merge.staging import Staging

WORK_TABLES = ("etl_genre_key", "etl_genre_scope", "etl_stg_movie_genre")


class StagedGenre(NamedTuple):
    table = "etl_stg_genre"
    index = ("source", "pos")

    source: str  # partner or cms, as in StagedCast
    pos: int
    movie_ext: int
    name: str
    slug: str


def stage_genres(staging: Staging, source: str, pos: int, movie_id: int, genres: Iterable[GenreName] | None) -> None:
    """Stage a record's or document's genre list (plain tuples in StagedGenre's field order, like the cast)."""
    append = staging.rows[StagedGenre].append
    for genre in genres or ():
        append((source, pos, movie_id, genre.name, genre.slug))


def sync_genres(cursor) -> int:
    """Create the genres named for the first time and replace the links of the movies with a genre list; fills etl_credit_changed."""
    cursor.execute(
        """
        -- A name matches a genre by its slug or either name, case aside; the rest become new genres.
        CREATE TEMP TABLE etl_genre_key ON COMMIT DROP AS
        SELECT DISTINCT lower(name) AS key, slug FROM etl_stg_genre;
        INSERT INTO catalog_genre (slug, name_en, name_ru)
        SELECT DISTINCT ON (k.slug) k.slug, s.name, s.name FROM etl_genre_key k JOIN etl_stg_genre s ON lower(s.name) = k.key
        WHERE NOT EXISTS (SELECT 1 FROM catalog_genre g
                          WHERE lower(g.slug) IN (k.key, k.slug) OR lower(g.name_en) = k.key OR lower(g.name_ru) = k.key)
        ORDER BY k.slug, s.source DESC, s.pos
        ON CONFLICT (slug) DO NOTHING;
        -- The list that governs each movie's genres (like the cast's, etl.merge.credits); pinned genres stay.
        CREATE TEMP TABLE etl_genre_scope ON COMMIT DROP AS
        SELECT DISTINCT ON (movie_id) movie_id, source, pos FROM (
            SELECT m.id AS movie_id, 'cms'::text AS source, s.pos, 0 AS rank, s.language = m.language AS own, s.language
            FROM etl_stg_cms s JOIN catalog_movie m ON m.external_id = s.movie_ext
            WHERE s.has_genres AND NOT ('genres' = ANY(m.pinned_fields))
            UNION ALL
            SELECT m.id, 'partner', s.pos, 1, true, '' FROM etl_stg_movie s JOIN catalog_movie m ON m.external_id = s.external_id
            WHERE s.has_genres AND NOT ('genres' = ANY(m.pinned_fields))
        ) candidates
        ORDER BY movie_id, rank, own DESC, language;
        CREATE UNIQUE INDEX ON etl_genre_scope (movie_id);
        ANALYZE etl_genre_scope;
        CREATE TEMP TABLE etl_stg_movie_genre ON COMMIT DROP AS
        SELECT DISTINCT sc.movie_id, g.genre_id
        FROM etl_genre_scope sc
        JOIN etl_stg_genre sg ON sg.source = sc.source AND sg.pos = sc.pos
        CROSS JOIN LATERAL (
            SELECT g.id AS genre_id FROM catalog_genre g
            WHERE lower(g.slug) IN (lower(sg.name), sg.slug) OR lower(g.name_en) = lower(sg.name) OR lower(g.name_ru) = lower(sg.name)
            ORDER BY lower(g.slug) = lower(sg.name) DESC, g.id LIMIT 1
        ) g;
        """
    )
    return one(
        cursor,
        """
        WITH gone AS (
            DELETE FROM catalog_movie_genres l USING etl_genre_scope scope
            WHERE l.movie_id = scope.movie_id AND NOT EXISTS (
                SELECT 1 FROM etl_stg_movie_genre d WHERE d.movie_id = l.movie_id AND d.genre_id = l.genre_id)
            RETURNING l.movie_id
        ), added AS (
            INSERT INTO catalog_movie_genres (movie_id, genre_id)
            SELECT d.movie_id, d.genre_id FROM etl_stg_movie_genre d
            WHERE NOT EXISTS (SELECT 1 FROM catalog_movie_genres l WHERE l.movie_id = d.movie_id AND l.genre_id = d.genre_id)
            RETURNING movie_id
        ), changed AS (INSERT INTO etl_credit_changed SELECT movie_id FROM gone UNION ALL SELECT movie_id FROM added)
        SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM added)
        """,
    )[0]
