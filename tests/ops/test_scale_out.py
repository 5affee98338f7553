"""Scaling out: three server instances (gunicorn, production config) against one PostgreSQL that
allows 30 connections stay within it under load with 0 errors (each process draws from its own
connection pool); the search rate limit is one limit for all workers; the shared response cache is
invalidated for every instance by a write in any process."""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.services import ROOT as REPO
from tests.services import ControlledPostgres, Gunicorn, migrate

pytestmark = pytest.mark.slow

MAX_CONNECTIONS = 30
MOVIES = 400


@pytest.fixture(scope="module")
def database():
    postgres = ControlledPostgres(max_connections=str(MAX_CONNECTIONS), superuser_reserved_connections="3")
    try:
        migrate(postgres.url)
        with psycopg.connect(postgres.url, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO catalog_movie (external_id, title, language, partner_description, description, source_used,"
                " is_published, created_at, updated_at)"
                " SELECT g, 'Movie ' || g || CASE WHEN g %% 7 = 0 THEN ' winter' ELSE ' summer' END, 'en', 'About ' || g,"
                " 'About ' || g, 'partner', true, now(), now() FROM generate_series(1, %s) g",
                [MOVIES],
            )
            conn.execute(
                "INSERT INTO people_person (external_id, full_name, created_at, updated_at)"
                " SELECT g, 'Actor ' || g, now(), now() FROM generate_series(1, 100) g"
            )
            conn.execute(
                "INSERT INTO people_credit (movie_id, person_id, role_name, billing_order)"
                " SELECT m.id, p.id, 'Role', p.id % 5 FROM catalog_movie m JOIN people_person p ON p.id % 50 = m.id % 50"
            )
        yield postgres
    finally:
        postgres.close()


def start_gunicorn(env: dict, *, workers: int = 2) -> Gunicorn:
    """The production server (the repo's gunicorn.conf.py) on a free port, configured by `env`."""
    return Gunicorn(env, inherit_env=True, workers=workers, config=True, extra_args=("--graceful-timeout", "3")).start()


def _server_env(database, **extra) -> dict:
    return {
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "DATABASE_URL": database.url,
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "KAFKA_BOOTSTRAP_SERVERS": "",
        "CACHE_BACKEND": "database",
        "RESPONSE_CACHE_BACKEND": "database",
        "GUNICORN_ACCESSLOG": "off",
        "LOG_LEVEL": "WARNING",
        "STATIC_MANIFEST": "0",
        **extra,
    }


def _get(port: int, path: str, conn: http.client.HTTPConnection | None = None, headers: dict | None = None):
    """GET `path`; every instance is addressed by one host name, as behind a load balancer."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        if own:
            conn.close()


def _backend_connections(database) -> int:
    with psycopg.connect(database.url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").fetchone()[0]


def test_three_instances_stay_within_the_connection_limit_under_load(database):
    # 3 instances x 2 processes x at most 4 pooled connections = 24 of the 27 the server gives clients.
    env = _server_env(database, DATABASE_POOL_MAX_SIZE="4", THROTTLE_SEARCH="100000/min", RESPONSE_CACHE_BACKEND="none")
    servers = [start_gunicorn(env, workers=2) for _ in range(3)]
    try:
        paths = ["/api/v1/movies/?offset={}", "/api/v1/movies/{}/", "/api/v1/movies/?q=winter&offset={}", "/api/v1/people/?offset={}",
                 "/api/v1/movies/{}/credits/"]
        statuses: Counter = Counter()
        failures: list = []
        stop = time.monotonic() + 10
        peak = [0]

        def client(n: int) -> None:
            rng = random.Random(n)
            port = servers[n % 3].port
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                path = rng.choice(paths).format(rng.randint(1, MOVIES // 2))
                try:
                    status, _, body = _get(port, path, conn)
                except (OSError, http.client.HTTPException) as exc:
                    failures.append(f"{path}: {exc!r}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    continue
                statuses[status] += 1
                if status not in (200, 404):
                    failures.append(f"{path}: {status} {body[:200]!r}")
            conn.close()

        def watch() -> None:
            while time.monotonic() < stop:
                peak[0] = max(peak[0], _backend_connections(database))
                time.sleep(0.3)

        watcher = threading.Thread(target=watch)
        watcher.start()
        with ThreadPoolExecutor(48) as pool:
            list(pool.map(client, range(48)))
        watcher.join()
        if failures:
            print((servers[0].workdir / "stdout.log").read_text(errors="replace")[-6000:])  # the first server's log
        assert not failures, failures[:5]
        assert statuses[200] > 30, statuses  # the machine may be busy: the point is 0 errors
        # The pools (and the watcher's own connection) are all that PostgreSQL saw.
        assert peak[0] <= 3 * 2 * 4 + 1, peak[0]
    finally:
        for server in servers:
            server.close()


def test_the_search_limit_is_one_limit_for_all_workers(database):
    limit = 6
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("DELETE FROM core_ratecounter")  # the counters of the other tests' searches
    server = start_gunicorn(_server_env(database, THROTTLE_SEARCH=f"{limit}/min"), workers=2)
    try:
        # A new connection per request, many at once: the requests spread over both workers. The same
        # query repeats, so most are answered from the response cache, and still count.
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _get(server.port, "/api/v1/movies/?q=winter")[0], range(4 * limit)))
        assert Counter(statuses) == {200: limit, 429: 3 * limit}, Counter(statuses)
        status, headers, body = _get(server.port, "/api/v1/movies/?q=winter")
        assert status == 429 and int(headers["Retry-After"]) > 0 and "detail" in json.loads(body)
        assert _get(server.port, "/api/v1/movies/")[0] == 200  # browsing is not limited
    finally:
        server.close()


def _manage_shell(database, code: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "shell", "-c", code],
        env={**os.environ, "DATABASE_URL": database.url, "PYTHONPATH": str(REPO), "CACHE_BACKEND": "database",
             "RESPONSE_CACHE_BACKEND": "database", "REDIS_URL": "", "LOG_LEVEL": "WARNING"},
        cwd=REPO, check=True, timeout=120,
    )


def test_a_write_anywhere_invalidates_the_cached_answers_of_every_instance(database):
    env = _server_env(database, THROTTLE_SEARCH="100000/min")
    first, second = start_gunicorn(env, workers=2), start_gunicorn(env, workers=1)
    try:
        with psycopg.connect(database.url) as conn:
            movie_id = conn.execute("SELECT min(id) FROM catalog_movie").fetchone()[0]
        detail = f"/api/v1/movies/{movie_id}/"
        status, headers, body = _get(first.port, detail)
        assert status == 200 and headers["X-Cache"] == "miss"
        status, headers, again = _get(second.port, detail)
        assert status == 200 and headers["X-Cache"] == "hit" and again == body
        # Conditional requests still get 304 from the cache.
        assert _get(second.port, detail, headers={"If-None-Match": headers["ETag"]})[0] == 304

        # An editor's save in another process (signals) is seen at once by both instances.
        _manage_shell(database, f"from catalog.models import Movie; m = Movie.objects.get(pk={movie_id}); m.title = 'Renamed by an editor'; m.save()")
        for server in (first, second):
            status, headers, body = _get(server.port, detail)
            assert json.loads(body)["title"] == "Renamed by an editor"

        # A bulk write that sends no signals (the ETL's) is seen after bump_catalog_version().
        with psycopg.connect(database.url, autocommit=True) as db:
            db.execute("UPDATE catalog_movie SET title = 'Renamed by the ETL' WHERE id = %s", [movie_id])
        assert json.loads(_get(second.port, detail)[2])["title"] == "Renamed by an editor"  # still cached
        _manage_shell(database, "from core.cache import bump_catalog_version; bump_catalog_version()")
        assert json.loads(_get(second.port, detail)[2])["title"] == "Renamed by the ETL"

        # Signed-in or identified viewers are never answered from (or stored in) the shared cache.
        status, headers, _ = _get(first.port, detail, headers={"X-Viewer-Id": "viewer-1"})
        assert status == 200 and "X-Cache" not in headers
    finally:
        first.close()
        second.close()
