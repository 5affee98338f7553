#!/usr/bin/env python
"""Catalog API benchmark: 100k movies, 300k people, 1M credits; list, search and detail under load.

Fills a dedicated database (`cinema_bench`, on DATABASE_URL's server or the embedded one under
var/bench-postgres) with synthetic rows through COPY, starts the production server (gunicorn with
gunicorn.conf.py) against it, and reports requests/s and p50/p95/p99 latency per endpoint, plus the
SQL query count of each endpoint at two page sizes. It prints figures; it never passes or fails.

    .venv/bin/python bench/catalog_bench.py [--movies 100000] [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = "ka ri mo ne sal ver tor lin da mi gra sto fel on ar is ul bre van dor ce pha len tri".split()


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Title words: a few thousand invented words, drawn with a Zipf-like skew as in real titles."""
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


FIRST = "Anna Boris Clara Denis Elena Felix Greta Hugo Irina Jonas Kira Lev Maria Nikita Olga Pavel Rosa Sergei Tanya Victor".split()
LAST = "Ivanova Petrov Smith Brown Orlov Novak Keller Moreau Rossi Lindqvist Sokolov Weber Kim Garcia Volkova Berg".split()


def database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        from core.embedded_db import embedded_database_url

        base = embedded_database_url(ROOT / "var" / "bench-postgres" / "pgdata")
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(base)
    admin = make_conninfo(**{**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(**{**params, "dbname": name})


def to_url(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    p = conninfo_to_dict(conninfo)
    host = p.get("host", "")
    if host.startswith("/"):
        return f"postgresql://{p.get('user', 'postgres')}:@/{p['dbname']}?host={host}"
    port = p.get("port", "5432")
    password = p.get("password", "")
    return f"postgresql://{p.get('user', 'postgres')}:{password}@{host}:{port}/{p['dbname']}"


def fill(conninfo: str, movies: int, people: int, credits_per_movie: int, rng: random.Random, words: list[str]) -> float:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY catalog_movie (external_id, title, language, partner_description, description, source_used,"
            " is_published, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, movies + 1):
                title = " ".join(zipf_choice(rng, words).capitalize() for _ in range(rng.randint(1, 4)))
                text = f"A story about {zipf_choice(rng, words)} and {zipf_choice(rng, words)}."
                copy.write_row((i, title, rng.choice(("en", "ru")), text, text, "partner", True,
                                "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
        with cur.copy("COPY people_person (external_id, full_name, birth_date, created_at, updated_at) FROM STDIN") as copy:
            for i in range(1, people + 1):
                copy.write_row((i, f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}", None,
                                "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
        cur.execute("SELECT min(id) FROM catalog_movie")
        first_movie = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM people_person")
        first_person = cur.fetchone()[0]
        with cur.copy("COPY people_credit (movie_id, person_id, role_name, billing_order) FROM STDIN") as copy:
            for m in range(movies):
                for order, p in enumerate(rng.sample(range(people), credits_per_movie)):
                    copy.write_row((first_movie + m, first_person + p, rng.choice(FIRST), order))
        conn.commit()
        cur.execute("ANALYZE")
    return time.perf_counter() - started


def zipf_choice(rng: random.Random, words: list[str]) -> str:
    return words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] if rng.random() < 0.3 else rng.choice(words)


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    return word[:i] + word[i + 1:] if len(word) > 4 else word


def migrate(url: str) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": url})


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    argv = [str(Path(sys.executable).parent / "gunicorn"), "cinema_project.wsgi", "--bind", f"127.0.0.1:{port}"]
    if (ROOT / "gunicorn.conf.py").exists():
        argv += ["-c", str(ROOT / "gunicorn.conf.py")]
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")


def load(port: int, paths: list[str], concurrency: int) -> dict:
    local = threading.local()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(path: str) -> None:
        nonlocal errors
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        t = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            local.conn = None
            ok = False
        elapsed = time.perf_counter() - t
        with lock:
            latencies.append(elapsed)
            errors += not ok

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, paths))
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(paths) / wall, "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "errors": errors}


def query_counts(url: str, movie_id: int) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for label, path in [("list limit=10", "/api/v1/movies/?limit=10"), ("list limit=100", "/api/v1/movies/?limit=100"),
                        ("search limit=10", "/api/v1/movies/?q=kari&limit=10"),
                        ("search limit=100", "/api/v1/movies/?q=kari&limit=100"),
                        ("detail", f"/api/v1/movies/{movie_id}/")]:
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        counts[label] = len(ctx)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movies", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--credits-per-movie", type=int, default=10)
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(42)

    conninfo = database_url("cinema_bench")
    url = to_url(conninfo)
    migrate(url)
    words = vocabulary(rng)
    fill_seconds = fill(conninfo, args.movies, args.people, args.credits_per_movie, rng, words)
    print(f"filled {args.movies:,} movies, {args.people:,} people, {args.movies * args.credits_per_movie:,} credits "
          f"in {fill_seconds:.1f} s")

    import psycopg

    with psycopg.connect(conninfo) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM catalog_movie ORDER BY random() LIMIT 500")]
        plan = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT id FROM catalog_movie WHERE title %%> %(q)s OR UPPER(title) LIKE UPPER(%(like)s)",
            {"q": words[7], "like": f"%{words[7]}%"}))
    print("search plan:\n  " + plan.replace("\n", "\n  "))

    port = 18000 + os.getpid() % 1000
    server = start_server(url, port)
    try:
        def query() -> str:
            word = rng.choice(words)
            return rng.choice([word, typo(rng, word), word[: max(3, len(word) // 2)]])

        scenarios = {
            "list": [f"/api/v1/movies/?offset={rng.randint(0, 5000)}" for _ in range(args.requests)],
            "search": [f"/api/v1/movies/?q={query()}" for _ in range(args.requests)],
            # The most frequent title word: thousands of matches to rank (the worst case).
            "search-common": [f"/api/v1/movies/?q={words[0]}" for _ in range(args.requests // 4)],
            "detail": [f"/api/v1/movies/{rng.choice(ids)}/" for _ in range(args.requests)],
        }
        load(port, scenarios["list"][:200], args.concurrency)  # warm-up
        print(f"\n{'endpoint':<14} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
        results = {}
        for name, paths in scenarios.items():
            r = results[name] = load(port, paths, args.concurrency)
            print(f"{name:<14} {r['rps']:>8.0f} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7}")
    finally:
        server.terminate()
        server.wait(10)

    counts = query_counts(url, ids[0])
    print("\nSQL queries per request: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    print(json.dumps({"results": results, "queries": counts, "concurrency": args.concurrency}))


if __name__ == "__main__":
    main()
