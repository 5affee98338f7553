"""The baseline of bench/catalog_bench.py: what the previous FastAPI catalog service did, as a WSGI app.

A new PostgreSQL connection per request, `ILIKE '%q%'` search, plain SQL filters (genre, years), an
exact COUNT(*), facets as GROUP BY counts over every match, `json.dumps`.
Same URLs as ours, so one load script drives both: `gunicorn bench.catalog_baseline:application`
with BASELINE_DATABASE_URL set.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import parse_qs

import psycopg

DSN = os.environ.get("BASELINE_DATABASE_URL", "")
PAGE = 20


def _json(start_response, status: str, data) -> list[bytes]:
    body = json.dumps(data, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _movies(cur, query: dict) -> dict:
    offset = int(query.get("offset", ["0"])[0] or 0)
    limit = min(int(query.get("limit", [str(PAGE)])[0] or PAGE), 100)
    q = query.get("q", [""])[0]
    where, params = "is_published", []
    if q:
        where += " AND title ILIKE %s"
        params.append(f"%{q}%")
    if genres := [g for v in query.get("genre", []) for g in v.split(",") if g]:
        where += (" AND EXISTS (SELECT 1 FROM catalog_movie_genres mg JOIN catalog_genre g ON g.id = mg.genre_id"
                  " WHERE mg.movie_id = catalog_movie.id AND g.slug = ANY(%s))")
        params.append(genres)
    if year_from := query.get("year_from", [""])[0]:
        where += " AND year >= %s"
        params.append(int(year_from))
    if year_to := query.get("year_to", [""])[0]:
        where += " AND year <= %s"
        params.append(int(year_to))
    count = cur.execute(f"SELECT count(*) FROM catalog_movie WHERE {where}", params).fetchone()[0]
    rows = cur.execute(
        f"SELECT id, external_id, title, language, description, source_used, is_published, year, countries, created_at, updated_at"
        f" FROM catalog_movie WHERE {where} ORDER BY title, id LIMIT %s OFFSET %s", [*params, limit, offset]
    ).fetchall()
    names = [c.name for c in cur.description]
    result = {"count": count, "results": [dict(zip(names, row)) for row in rows]}
    facets = [f for v in query.get("facets", []) for f in v.split(",") if f]
    if facets:  # plain GROUP BY counts over every matching movie, as a simple service would
        result["facets"] = {}
        if "genre" in facets:
            result["facets"]["genre"] = [
                {"value": r[0], "label": r[1], "count": r[2]} for r in cur.execute(
                    f"SELECT g.slug, g.name_en, count(*) FROM catalog_movie JOIN catalog_movie_genres mg ON mg.movie_id = catalog_movie.id"
                    f" JOIN catalog_genre g ON g.id = mg.genre_id WHERE {where} GROUP BY g.slug, g.name_en ORDER BY 3 DESC, 1", params)]
        if "year" in facets:
            result["facets"]["year"] = [
                {"value": r[0], "count": r[1]} for r in cur.execute(
                    f"SELECT year, count(*) FROM catalog_movie WHERE {where} AND year IS NOT NULL GROUP BY year ORDER BY year DESC", params)]
        if "country" in facets:
            result["facets"]["country"] = [
                {"value": r[0], "count": r[1]} for r in cur.execute(
                    f"SELECT c, count(*) FROM catalog_movie, unnest(countries) c WHERE {where} GROUP BY c ORDER BY 2 DESC, 1", params)]
    return result


def _movie(cur, movie_id: int) -> dict | None:
    row = cur.execute("SELECT id, external_id, title, language, description, partner_description, source_used, is_published,"
                      " created_at, updated_at FROM catalog_movie WHERE id = %s AND is_published", [movie_id]).fetchone()
    if row is None:
        return None
    movie = dict(zip([c.name for c in cur.description], row))
    movie["credits"] = [
        {"id": r[0], "person": {"id": r[1], "full_name": r[2]}, "role_name": r[3], "billing_order": r[4]}
        for r in cur.execute("SELECT c.id, p.id, p.full_name, c.role_name, c.billing_order FROM people_credit c"
                             " JOIN people_person p ON p.id = c.person_id WHERE c.movie_id = %s ORDER BY c.billing_order, c.id",
                             [movie_id])
    ]
    return movie


def _person(cur, person_id: int) -> dict | None:
    row = cur.execute("SELECT id, external_id, full_name, birth_date, updated_at FROM people_person WHERE id = %s", [person_id]).fetchone()
    if row is None:
        return None
    person = dict(zip([c.name for c in cur.description], row))
    person["filmography"] = [
        {"id": r[0], "movie": {"id": r[1], "title": r[2], "language": r[3]}, "role_name": r[4], "billing_order": r[5]}
        for r in cur.execute("SELECT c.id, m.id, m.title, m.language, c.role_name, c.billing_order FROM people_credit c"
                             " JOIN catalog_movie m ON m.id = c.movie_id WHERE c.person_id = %s AND m.is_published"
                             " ORDER BY m.title, c.id", [person_id])
    ]
    return person


def _suggest(cur, query: dict) -> dict:
    q = query.get("q", [""])[0]
    rows = cur.execute("SELECT id, title FROM catalog_movie WHERE is_published AND title ILIKE %s ORDER BY title LIMIT 8",
                       [f"%{q}%"]).fetchall()
    return {"results": [{"type": "movie", "id": r[0], "title": r[1]} for r in rows]}


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if path == "/healthz":
        return _json(start_response, "200 OK", {"status": "ok"})
    with psycopg.connect(DSN) as conn, conn.cursor() as cur:  # a new connection per request, as before
        if path == "/api/v1/movies/":
            return _json(start_response, "200 OK", _movies(cur, query))
        if path == "/api/v1/search/suggest":
            return _json(start_response, "200 OK", _suggest(cur, query))
        if match := re.fullmatch(r"/api/v1/movies/(\d+)/", path):
            found = _movie(cur, int(match[1]))
        elif match := re.fullmatch(r"/api/v1/people/(\d+)/", path):
            found = _person(cur, int(match[1]))
        else:
            found = None
    if found is None:
        return _json(start_response, "404 Not Found", {"detail": "Not found."})
    return _json(start_response, "200 OK", found)
