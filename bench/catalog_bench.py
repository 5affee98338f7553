#!/usr/bin/env python
"""Catalog read path under load: our server vs a baseline of the previous service, every endpoint.

Fills a dedicated database (`cinema_bench_<N>`, on DATABASE_URL's server or the embedded one under
var/bench-postgres) through COPY with N movies (realistic titles: common English words repeat, one
title in ten is Russian, a tail of rare words; years, countries, age ratings and 1-3 of 20 genres,
Zipf-skewed), 3N people and ~6.5N credits, printing the time of each phase; starts our server
(gunicorn with gunicorn.conf.py, the production config) and the baseline (bench/catalog_baseline.py:
ILIKE, a new connection per request, json.dumps) under gunicorn with the same workers and threads;
loads each endpoint with `wrk --latency` (16 connections), A/B interleaved; prints req/s,
p50/p95/p99, non-2xx answers and the ratio to the baseline, with our response cache on and off;
the servers' RSS before and after; and EXPLAIN ANALYZE of the search queries. It prints figures;
it never passes or fails. An endpoint that answers 404 (not built yet) is reported as n/a.

    .venv/bin/python bench/catalog_bench.py [--movies 100000] [--duration 8] [--connections 16] [--reuse] [--only search]
    .venv/bin/python bench/catalog_bench.py --movies 1000000      # 1M movies, 3M people, ~6.5M credits
    .venv/bin/python bench/catalog_bench.py --movies 1000000 --load-only   # fill (or, with --reuse, verify) and exit
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_PREFIX = "cinema_bench"  # + "_<movies>": a 100k and a 1M database live side by side

ENGLISH = """night love winter story last city house man woman river road dark blue summer star girl
boy war time world heart home king queen shadow secret life dream light moon sun fire storm sea island
north south garden letter song dance hunter stranger family friend journey promise memory silence
mountain forest valley harbor lighthouse express train station bridge empire kingdom crown sword ghost
devil angel hope revenge escape return rise fall edge line circle mirror window door key glass stone
iron silver golden red black white green winterland midnight morning evening autumn spring captain
doctor teacher soldier pilot detective lawyer painter writer singer dancer thief spy killer witness
prisoner children brothers sisters daughter son mother father wedding funeral holiday birthday party""".split()
RUSSIAN = """северный ветер дом у реки сибирский экспресс полярная звезда тихий дон белое солнце пустыни
москва слезам не верит ирония судьбы летят журавли отец солдата зимняя вишня старый новый год
осенний марафон служебный роман кавказская пленница брат сестра дорога город ночь любовь зима лето
весна осень море остров гора лес поле небо звезда луна огонь вода земля хлеб песня танец""".split()
LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                 ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
                  "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
LAYOUT = dict(zip("йцукенгшщзхъфывапролджэячсмитьбюё", "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"))
FIRST = "Anna Boris Clara Denis Elena Felix Greta Hugo Irina Jonas Kira Lev Maria Nikita Olga Pavel Rosa Sergei Tanya Victor".split()
LAST = "Ivanova Petrov Smith Brown Orlov Novak Keller Moreau Rossi Lindqvist Sokolov Weber Kim Garcia Volkova Berg".split()
SYLLABLES = "ka ri mo ne sal ver tor lin da mi gra sto fel on ar is ul bre van dor ce pha len tri".split()
# Genres and countries, most frequent first (drawn with a Zipf skew, as catalogs are: many dramas, few westerns).
GENRES = [("drama", "Drama", "Драма"), ("comedy", "Comedy", "Комедия"), ("thriller", "Thriller", "Триллер"),
          ("action", "Action", "Боевик"), ("romance", "Romance", "Мелодрама"), ("crime", "Crime", "Криминал"),
          ("documentary", "Documentary", "Документальный"), ("adventure", "Adventure", "Приключения"),
          ("horror", "Horror", "Ужасы"), ("family", "Family", "Семейный"), ("fantasy", "Fantasy", "Фэнтези"),
          ("science-fiction", "Science fiction", "Фантастика"), ("animation", "Animation", "Мультфильм"),
          ("mystery", "Mystery", "Детектив"), ("history", "History", "История"), ("war", "War", "Военный"),
          ("music", "Music", "Музыка"), ("biography", "Biography", "Биография"), ("sport", "Sport", "Спорт"),
          ("western", "Western", "Вестерн")]
COUNTRIES = "US GB FR RU DE IT JP ES CA IN KR SE CN DK BR AU PL MX NL FI".split()
AGE_RATINGS = ["0+", "6+", "12+", "16+", "18+"]


def translit(text: str) -> str:
    return "".join(LATIN.get(ch, ch) for ch in text.lower())


def wrong_layout(text: str) -> str:
    return "".join(LAYOUT.get(ch, ch) for ch in text.lower())


# --- Data -----------------------------------------------------------------------------------------


def admin_conninfo() -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        from core.embedded_db import embedded_database_url

        base = embedded_database_url(ROOT / "var" / "bench-postgres" / "pgdata")
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    return make_conninfo(**{**conninfo_to_dict(base), "dbname": "postgres"})


def db_name(movies: int) -> str:
    return f"{DB_PREFIX}_{movies}"


def bench_conninfo(admin: str, movies: int) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    return make_conninfo(**{**conninfo_to_dict(admin), "dbname": db_name(movies)})


def to_url(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    p = conninfo_to_dict(conninfo)
    host = p.get("host", "")
    if host.startswith("/"):
        return f"postgresql://{p.get('user', 'postgres')}:@/{p['dbname']}?host={host}&port={p.get('port', '5432')}"
    return f"postgresql://{p.get('user', 'postgres')}:{p.get('password', '')}@{host}:{p.get('port', '5432')}/{p['dbname']}"


def zipf(rng: random.Random, words: list[str]) -> str:
    return words[min(int(rng.paretovariate(0.9)) - 1, len(words) - 1)]


def make_title(rng: random.Random, rare: list[str]) -> tuple[str, str]:
    if rng.random() < 0.1:
        words = [zipf(rng, RUSSIAN) for _ in range(rng.randint(1, 3))]
        return " ".join(words).capitalize(), "ru"
    words = [zipf(rng, ENGLISH) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.05:
        words.append(rng.choice(rare))
    return " ".join(w.capitalize() for w in words), "en"


def fill(conninfo: str, movies: int, people: int, credits_per_movie: float, rng: random.Random, phases: dict) -> dict:
    """COPY the rows (timing each phase into `phases`); return the words the queries are built from."""
    import psycopg

    rare = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) for _ in range(max(movies // 20, 100))})
    counts: Counter = Counter()
    genre_counts: Counter = Counter()
    russian_titles: list[str] = []
    started = time.perf_counter()

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases[name] = now - since
        print(f"  {name}: {phases[name]:.1f} s", flush=True)
        return now

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        t = time.perf_counter()
        with cur.copy("COPY catalog_movie (external_id, title, language, partner_description, description, source_used,"
                      " year, countries, age_rating, is_published, created_at, updated_at) FROM STDIN") as copy:
            for i in range(1, movies + 1):
                title, language = make_title(rng, rare)
                counts.update(set(title.lower().split()))
                if language == "ru" and len(russian_titles) < 200 and len(title.split()) >= 2:
                    russian_titles.append(title)
                text = f"A story about {zipf(rng, ENGLISH)} and {zipf(rng, ENGLISH)}."
                # Years skewed to the recent: most catalogs hold more new movies than old ones.
                year = 2025 - min(int(rng.expovariate(1 / 18)), 95) if rng.random() < 0.97 else None
                countries = sorted({zipf(rng, COUNTRIES) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))})
                copy.write_row((i, title, language, text, text, "partner", year, countries, rng.choice(AGE_RATINGS + [""]),
                                True, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
        t = phase("movies (COPY + search documents)", t)
        with cur.copy("COPY people_person (external_id, full_name, birth_date, created_at, updated_at) FROM STDIN") as copy:
            for i in range(1, people + 1):
                copy.write_row((i, f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}", None, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
        t = phase("people (COPY + search documents)", t)
        first_movie = cur.execute("SELECT min(id) FROM catalog_movie").fetchone()[0]
        first_person = cur.execute("SELECT min(id) FROM people_person").fetchone()[0]
        with cur.copy("COPY people_credit (movie_id, person_id, role_name, billing_order) FROM STDIN") as copy:
            for m in range(movies):
                cast = int(credits_per_movie) + (rng.random() < credits_per_movie % 1)
                for order in range(cast):
                    copy.write_row((first_movie + m, first_person + rng.randrange(people), rng.choice(FIRST), order))
        t = phase("credits (COPY + cast of the search documents)", t)
        with cur.copy("COPY catalog_genre (slug, name_en, name_ru) FROM STDIN") as copy:
            for genre in GENRES:
                copy.write_row(genre)
        genre_ids = dict(cur.execute("SELECT slug, id FROM catalog_genre").fetchall())
        slugs = [slug for slug, _, _ in GENRES]
        with cur.copy("COPY catalog_movie_genres (movie_id, genre_id) FROM STDIN") as copy:
            for m in range(movies):
                chosen = {zipf(rng, slugs) for _ in range(rng.choice((1, 1, 2, 2, 3)))}
                genre_counts.update(chosen)
                for slug in chosen:
                    copy.write_row((first_movie + m, genre_ids[slug]))
        t = phase("genres (COPY)", t)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
        phase("VACUUM ANALYZE", t)
    english = [w for w, _ in counts.most_common() if w in ENGLISH]
    rare_present = [w for w in rare if 1 <= counts[w] <= 3]
    typo_base = next(w for w in english if len(w) >= 6)
    i = len(typo_base) // 2
    return {
        "seconds": time.perf_counter() - started,
        "common": english[0],
        "common_matches": counts[english[0]],
        "rare": rare_present[0] if rare_present else rare[0],
        "typo": typo_base[:i - 1] + typo_base[i] + typo_base[i - 1] + typo_base[i + 1:],
        "typo_of": typo_base,
        "translit": translit(russian_titles[0]) if russian_titles else "severnyy veter",
        "translit_of": russian_titles[0] if russian_titles else "",
        "layout": wrong_layout(russian_titles[1].split()[0]) if len(russian_titles) > 1 else "ctdthysq",
        "layout_of": russian_titles[1].split()[0] if len(russian_titles) > 1 else "северный",
        "suggest": english[len(english) // 3][:4],
        # A common genre, not the most common: a filter that keeps a realistic share of the catalog.
        "genre": genre_counts.most_common(3)[-1][0],
        "genre_matches": genre_counts.most_common(3)[-1][1],
    }


def _verify(conninfo: str, movies: int) -> str:
    """Why an existing bench database cannot be reused ('' if it can)."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        found = conn.execute("SELECT (SELECT count(*) FROM catalog_movie), (SELECT count(*) FROM search_moviedocument),"
                             " (SELECT count(*) FROM catalog_movie_genres)").fetchone()
        pending = conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    if found[0] != movies or found[1] != movies:
        return f"{found[0]:,} movies / {found[1]:,} search documents, expected {movies:,}"
    if not found[2]:
        return "no genres (filled by an older generator)"
    return "" if pending else "no migrations"


def prepare_database(args, rng) -> tuple[str, dict]:
    import psycopg

    admin = admin_conninfo()
    conninfo = bench_conninfo(admin, args.movies)
    name = db_name(args.movies)
    meta_file = ROOT / "var" / f"catalog-bench-{args.movies}.json"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if args.reuse and exists and meta_file.exists():
        t = time.perf_counter()
        problem = _verify(conninfo, args.movies)
        meta = json.loads(meta_file.read_text())
        if not problem and "genre" in meta:
            # Migrations the code gained since the fill (a no-op otherwise).
            subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True,
                           env={**os.environ, "DATABASE_URL": to_url(conninfo), "CACHE_BACKEND": "database"})
            print(f"reusing {name}: verified and migrated in {time.perf_counter() - t:.1f} s", flush=True)
            meta["reused"] = True
            return conninfo, meta
        print(f"not reusing {name}: {problem or 'its description lacks genres'}; filling it again", flush=True)
    phases: dict = {}
    print(f"filling {name}:", flush=True)
    t = time.perf_counter()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": to_url(conninfo), "CACHE_BACKEND": "database"})
    phases["create + migrate"] = time.perf_counter() - t
    print(f"  create + migrate: {phases['create + migrate']:.1f} s", flush=True)
    meta = fill(conninfo, args.movies, args.people or 3 * args.movies, args.credits_per_movie, rng, phases)
    meta["phases"] = phases
    meta_file.parent.mkdir(exist_ok=True)
    meta_file.write_text(json.dumps(meta))
    return conninfo, meta


# --- Servers --------------------------------------------------------------------------------------


def start(argv: list[str], env: dict, port: int, name: str) -> subprocess.Popen:
    log = open(ROOT / "var" / f"catalog-bench-{name}.log", "wb")
    server = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200:
                return server
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"{name} did not start; see var/catalog-bench-{name}.log")


def stop(server: subprocess.Popen) -> None:
    """Stop a server and its workers; killed if they are still busy after 15 s (a worker finishing
    requests that outlived the load, e.g. searches of seconds at 1M, must not stay behind)."""
    import signal

    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(15)


def rss_mb(server: subprocess.Popen) -> float:
    import psutil

    process = psutil.Process(server.pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def servers(url: str, args) -> dict:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    layout = {"GUNICORN_WORKERS": str(args.workers), "GUNICORN_THREADS": str(args.threads)}
    common = {"DATABASE_URL": url, "DEBUG": "0", "DJANGO_ENV": "development", "ALLOWED_HOSTS": "127.0.0.1,localhost",
              "GUNICORN_ACCESSLOG": "off", "LOG_LEVEL": "WARNING", "GUNICORN_LOGLEVEL": "warning", "STATIC_MANIFEST": "0",
              "THROTTLE_SEARCH": "100000000/min", "CACHE_BACKEND": "database", "REDIS_URL": "",
              "CELERY_BROKER_URL": "", "KAFKA_BOOTSTRAP_SERVERS": "", **{k: v for k, v in layout.items() if v != "0"}}
    ours = {**common, "RESPONSE_CACHE_BACKEND": args.cache}
    if args.cache == "database":  # no answer of an earlier run (same catalog, same version) is served as a hit
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM cinema_response_cache")
    if args.cache == "redis":  # production at scale: the response cache and the rate-limit counters in Redis
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()  # no answer of an earlier run is served as a hit
        ours.update({"REDIS_URL": args.redis_url, "CACHE_BACKEND": "redis"})
    plan = {
        "ours": ([gunicorn, "-c", "gunicorn.conf.py", "cinema_project.wsgi"], ours),
        "ours-nocache": ([gunicorn, "-c", "gunicorn.conf.py", "cinema_project.wsgi"], {**common, "RESPONSE_CACHE_BACKEND": "none"}),
        "baseline": ([gunicorn, "-c", "gunicorn.conf.py", "bench.catalog_baseline:application"],
                     {**common, "BASELINE_DATABASE_URL": url}),
    }
    found = {}
    for offset, (name, (argv, env)) in enumerate(plan.items()):
        port = 18100 + offset + (os.getpid() % 50) * 3
        found[name] = {"port": port, "process": start(argv, {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, port, name)}
    return found


# --- Load -----------------------------------------------------------------------------------------

LUA = """
paths = {%s}
local counter = math.random(1, #paths)
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
done = function(summary, latency, requests)
  io.write(string.format("PCT %%d %%d %%d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def wrk(port: int, paths: list[str], args, script_dir: Path) -> dict:
    script = script_dir / f"paths-{abs(hash(tuple(paths)))}.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in paths))
    out = subprocess.run([args.wrk, "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    p50, p95, p99 = (int(v) / 1000 for v in re.search(r"PCT (\d+) (\d+) (\d+)", out).groups())
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p95": p95, "p99": p99, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def warm_every_path(port: int, paths: list[str]) -> None:
    """Ask each path once (8 at a time) before the measured run. An endpoint measured over many paths
    (the 500 movie or actor ids) would otherwise meet the first request of some of them during the
    run: the cached server's figures would mix its hits with a tail of misses, which the no-cache
    column measures on its own."""
    from concurrent.futures import ThreadPoolExecutor

    if len(paths) > 1:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda path: status_of(port, path), paths))


def settle(conninfo: str, limit: float = 60.0) -> float:
    """Wait until no statement of the bench database is running (requests that wrk gave up on keep their
    queries running in PostgreSQL, and would load the next server's run); the seconds waited."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() - started < limit:
            busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
                                " AND state = 'active' AND pid <> pg_backend_pid()").fetchone()[0]
            if not busy:
                break
            time.sleep(0.2)
    time.sleep(0.3)  # the servers' threads finish what PostgreSQL answered last
    return time.monotonic() - started


def status_of(port: int, path: str) -> int:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


def endpoints(conninfo: str, meta: dict, movies: int, rng: random.Random) -> dict[str, list[str]]:
    import psycopg
    from urllib.parse import quote

    with psycopg.connect(conninfo) as conn:
        movie_ids = [r[0] for r in conn.execute("SELECT id FROM catalog_movie TABLESAMPLE SYSTEM (5) LIMIT 500")]
        person_ids = [r[0] for r in conn.execute("SELECT DISTINCT person_id FROM people_credit TABLESAMPLE SYSTEM (5) LIMIT 500")]
    deep = min(50_000, movies // 2)
    search = "/api/v1/movies/?q="
    return {
        "list, first page": ["/api/v1/movies/"],
        f"list, offset {deep:,}": [f"/api/v1/movies/?offset={deep}"],
        f"search, common word ({meta['common']})": [search + quote(meta["common"])],
        f"search, rare word ({meta['rare']})": [search + quote(meta["rare"])],
        f"search, typo ({meta['typo']})": [search + quote(meta["typo"])],
        f"search, transliterated ({meta['translit']})": [search + quote(meta["translit"])],
        f"search, wrong layout ({meta['layout']})": [search + quote(meta["layout"])],
        f"suggest ({meta['suggest']})": [f"/api/v1/search/suggest?q={quote(meta['suggest'])}"],
        f"list, genre {meta['genre']} + years 1990-2005": [f"/api/v1/movies/?genre={meta['genre']}&year_from=1990&year_to=2005&limit=24"],
        "facets genre,year,country, no filter": ["/api/v1/movies/?facets=genre,year,country&limit=24"],
        f"facets + search, common word ({meta['common']})": [f"/api/v1/movies/?q={quote(meta['common'])}&facets=genre,year,country&limit=24"],
        f"facets + search, rare word ({meta['rare']})": [f"/api/v1/movies/?q={quote(meta['rare'])}&facets=genre,year,country&limit=24"],
        "movie detail": [f"/api/v1/movies/{i}/" for i in movie_ids],
        "actor detail": [f"/api/v1/people/{i}/" for i in person_ids],
    }


# --- Plans ----------------------------------------------------------------------------------------


def search_plans(url: str, meta: dict) -> list[str]:
    """EXPLAIN ANALYZE of the slowest SQL statement of each of our search requests, and the baseline's."""
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "cinema_project.settings", "RESPONSE_CACHE_BACKEND": "none",
                       "CACHE_BACKEND": "locmem", "THROTTLE_SEARCH": "100000000/min", "DEBUG": "0"})
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    out = []
    for label in ("common", "rare", "typo", "translit", "layout"):
        with CaptureQueriesContext(connection) as ctx:
            status = client.get("/api/v1/movies/", {"q": meta[label]}).status_code
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
        if slowest is None:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            plan = "\n    ".join(r[0] for r in cursor.fetchall())
        out.append(f"-- ours, q={meta[label]!r} ({label}; HTTP {status}; {len(ctx)} queries, slowest {float(slowest['time']) * 1000:.1f} ms):\n"
                   f"    {slowest['sql'][:600]}\n    {plan}")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM catalog_movie WHERE is_published AND title ILIKE %s",
                       [f"%{meta['common']}%"])
        out.append(f"-- baseline, count of ILIKE '%{meta['common']}%':\n    " + "\n    ".join(r[0] for r in cursor.fetchall()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movies", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=0, help="default: 3 x movies")
    parser.add_argument("--credits-per-movie", type=float, default=6.5)
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per endpoint and server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=0, help="GUNICORN_WORKERS for every server (0: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, default=0, help="GUNICORN_THREADS for every server (0: gunicorn.conf.py's)")
    parser.add_argument("--cache", default="database",
                        help="RESPONSE_CACHE_BACKEND of our server: database (DATABASE_URL without Redis), file (the embedded "
                        "mode), redis (at scale: the response cache and the rate limits in Redis, --redis-url)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="with --cache redis: a Redis database the bench may empty (FLUSHDB at the start)")
    parser.add_argument("--reuse", action="store_true", help="reuse the database of an earlier run of the same size")
    parser.add_argument("--load-only", action="store_true",
                        help="fill the database (or verify it with --reuse), print the time of each phase and exit")
    parser.add_argument("--only", default="", help="run only endpoints whose label contains this")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = parser.parse_args()
    rng = random.Random(42)

    conninfo, meta = prepare_database(args, rng)
    url = to_url(conninfo)
    print(f"data ({db_name(args.movies)}): {args.movies:,} movies, {(args.people or 3 * args.movies):,} people, "
          f"~{args.movies * args.credits_per_movie:,.0f} credits"
          + (f", filled in {meta['seconds']:.0f} s" if not meta.get("reused") else "") +
          f"; most common title word {meta['common']!r} in {meta['common_matches']:,} titles; typo {meta['typo']!r} of "
          f"{meta['typo_of']!r}; {meta['translit']!r} = {meta['translit_of']!r}; {meta['layout']!r} = {meta['layout_of']!r}; "
          f"genre {meta['genre']!r} in {meta['genre_matches']:,} movies")
    if args.load_only:
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        return
    print(f"load: wrk, {args.connections} connections, {args.duration} s per endpoint and server, A/B interleaved; "
          f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    running = servers(url, args)
    script_dir = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    rows = []
    try:
        rss_before = {name: rss_mb(s["process"]) for name, s in running.items()}
        for label, paths in endpoints(conninfo, meta, args.movies, rng).items():
            if args.only and args.only not in label:
                continue
            result = {}
            for name, server in running.items():
                status = status_of(server["port"], paths[0])
                if status != 200:
                    result[name] = {"na": status}
                    continue
                warm_every_path(server["port"], paths)
                wrk(server["port"], paths, argparse.Namespace(**{**vars(args), "duration": 1}), script_dir)  # warm-up
                settle(conninfo)
            for name in ("baseline", "ours", "ours-nocache"):  # interleaved per endpoint
                if name not in result:
                    result[name] = wrk(running[name]["port"], paths, args, script_dir)
                    result[name]["settled_s"] = settle(conninfo)
            rows.append((label, result))
            print(_row(label, result), flush=True)
        rss_after = {name: rss_mb(s["process"]) for name, s in running.items()}
    finally:
        for server in running.values():
            stop(server["process"])
        shutil.rmtree(script_dir, ignore_errors=True)

    print("\n| endpoint | ours req/s | p50 / p95 / p99 ms | ours, no response cache req/s | p50 / p95 / p99 ms | baseline req/s "
          "| p50 / p95 / p99 ms | ours / baseline | no cache / baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, result in rows:
        print(_md(label, result))
    print("\nRSS MB before -> after: " + ", ".join(f"{n} {rss_before[n]:.0f} -> {rss_after[n]:.0f}" for n in running))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\nSearch plans:\n" + "\n".join(search_plans(url, meta)))


def _cell(r: dict) -> tuple[str, str]:
    if "na" in r:
        return "n/a", f"HTTP {r['na']}"
    extra = f" ({r['non2xx']} non-2xx)" if r["non2xx"] else ""
    if timeouts := re.search(r"timeout (\d+)", r.get("socket_errors", "")):
        extra += f" ({timeouts.group(1)} timed out)" if int(timeouts.group(1)) else ""
    return f"{r['rps']:,.0f}{extra}", f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f}"


def _ratio(a: dict, b: dict) -> str:
    return f"{a['rps'] / b['rps']:.1f}x" if "rps" in a and "rps" in b and b["rps"] else "n/a"


def _row(label: str, result: dict) -> str:
    return "  ".join(f"{name}: {' '.join(_cell(r))}" for name, r in result.items()) + f"  <- {label}"


def _md(label: str, result: dict) -> str:
    ours, nocache, base = result["ours"], result["ours-nocache"], result["baseline"]
    return " | ".join(["", label, *_cell(ours), *_cell(nocache), *_cell(base), _ratio(ours, base), _ratio(nocache, base), ""]).strip()


if __name__ == "__main__":
    main()
