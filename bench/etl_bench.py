#!/usr/bin/env python
"""ETL benchmark: a synthetic partner feed (100k movies, 3-10 actors each, 300k people) and 20k CMS documents.

Reports the first load, the second (unchanged) load, a reload with 1% of the movies changed, rows/second
and the peak memory (RSS) of each `manage.py run_etl` process, next to the time a plain PostgreSQL COPY
of the same rows into the same tables (same indexes) takes on this machine, and their ratio. It prints
figures; it never passes or fails.

    .venv/bin/python bench/etl_bench.py [--movies 100000] [--cms-docs 20000]

The database is a fresh embedded PostgreSQL in a temporary directory (deleted at the end), or a new
database `cinema_etl_bench` on DATABASE_URL's server. CMS documents live in a local object-store
directory (the embedded mode of `make run`). Between runs (untimed) the database is VACUUM ANALYZEd, as
autovacuum would after a big load, so that it does not compete with the next run.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import ROOT, database_url, stop_embedded, to_url  # noqa: E402

FIRST = "Anna Boris Clara Denis Elena Felix Greta Hugo Irina Jonas Kira Lev Maria Nikita Olga Pavel Rosa Sergei Tanya Victor".split()
LAST = "Ivanova Petrov Smith Brown Orlov Novak Keller Moreau Rossi Lindqvist Sokolov Weber Kim Garcia Volkova Berg".split()
WORDS = ("night river glass winter road city silent last north garden storm letter mirror dust salt iron "
         "summer stranger promise shadow island harbor lantern orchard").split()
CMS_BUCKET = "cms-bench"


class Catalog:
    """The synthetic content: what the feed says, and the same rows as the catalog stores them."""

    def __init__(self, movies: int, people: int, cms_docs: int, seed: int):
        rng = random.Random(seed)
        self.rng = rng
        self.movies = []
        order = list(range(1, people + 1))
        rng.shuffle(order)
        cursor = 0
        for movie_id in range(1, movies + 1):
            count = rng.randint(3, 10)
            cast = []
            while len(cast) < count:
                if cursor == len(order):
                    rng.shuffle(order)
                    cursor = 0
                person = order[cursor]
                cursor += 1
                if person not in cast:
                    cast.append(person)
            title = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 4)))
            text = f"A story about the {rng.choice(WORDS)} and the {rng.choice(WORDS)}, told over {rng.randint(2, 90)} days. " * 2
            self.movies.append([movie_id, title, rng.choice(("en", "ru")), text.strip(), [(p, rng.choice(FIRST)) for p in cast]])
        self.people = {p: (f"{FIRST[p % len(FIRST)]} {LAST[p % len(LAST)]} {p}", f"19{40 + p % 60}-{1 + p % 12:02d}-{1 + p % 28:02d}" if p % 3 else None)
                       for p in range(1, people + 1)}
        docs = rng.sample(range(1, movies + 1), cms_docs)
        self.cms = {movie_id: f"Editorial text for movie {movie_id}: a {rng.choice(WORDS)} of a film." for movie_id in docs}

    def write_feed(self, path: Path) -> int:
        """The partner feed, a little dirty: HTML in some descriptions, some ids as strings."""
        with open(path, "w", encoding="utf-8") as out:
            out.write("[\n")
            for index, (movie_id, title, language, text, cast) in enumerate(self.movies):
                record = {
                    "movie_id": str(movie_id) if movie_id % 50 == 0 else movie_id,
                    "title": title,
                    "language": language,
                    "description": f"<p>{text}</p>" if movie_id % 10 == 0 else text,
                    "actors": [
                        {"actor_id": p, "full_name": self.people[p][0], "role_name": role,
                         **({"birth_date": self.people[p][1]} if self.people[p][1] else {})}
                        for p, role in cast
                    ],
                }
                out.write(("," if index else "") + json.dumps(record, ensure_ascii=False) + "\n")
            out.write("]\n")
        return path.stat().st_size

    def write_cms(self, store: Path) -> None:
        languages = {m[0]: m[2] for m in self.movies}
        (store / CMS_BUCKET / "cms").mkdir(parents=True, exist_ok=True)
        for movie_id, text in self.cms.items():
            folder = store / CMS_BUCKET / "cms" / str(movie_id)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{languages[movie_id]}.json").write_text(
                json.dumps({"movie_id": movie_id, "language": languages[movie_id], "description": text}, ensure_ascii=False)
            )

    def write_copy_files(self, folder: Path) -> dict[str, Path]:
        """The same rows in COPY text format (cleaned, as the catalog stores them)."""
        stamp = "2026-01-01 00:00:00+00"
        files = {name: folder / f"{name}.tsv" for name in ("person", "movie", "credit", "cms")}
        used = sorted({p for m in self.movies for p, _ in m[4]})
        with open(files["person"], "w") as out:
            for p in used:
                out.write(f"{p}\t{p}\t{self.people[p][0]}\t{self.people[p][1] or chr(92) + 'N'}\t{stamp}\t{stamp}\n")
        with open(files["movie"], "w") as out:
            for movie_id, title, language, text, _ in self.movies:
                shown, source = (self.cms[movie_id], "cms") if movie_id in self.cms else (text, "partner")
                out.write(f"{movie_id}\t{movie_id}\t{title}\t{language}\t{text}\t{shown}\t{source}\tt\t{stamp}\t{stamp}\n")
        with open(files["credit"], "w") as out:
            for movie_id, _, _, _, cast in self.movies:
                for order, (p, role) in enumerate(cast):
                    out.write(f"{movie_id}\t{p}\t{role}\t{order}\n")
        languages = {m[0]: m[2] for m in self.movies}
        with open(files["cms"], "w") as out:
            for movie_id, text in self.cms.items():
                out.write(f"{movie_id}\t{languages[movie_id]}\t{text}\ts3://{CMS_BUCKET}/cms/{movie_id}/{languages[movie_id]}.json\t{stamp}\n")
        return files

    def change_one_percent(self) -> int:
        """Retitle 1% of the movies and recast half of those (one actor dropped)."""
        changed = self.rng.sample(range(len(self.movies)), max(1, len(self.movies) // 100))
        for n, index in enumerate(changed):
            self.movies[index][1] += " (restored)"
            if n % 2 and len(self.movies[index][4]) > 3:
                self.movies[index][4].pop()
        return len(changed)

    def row_count(self) -> int:
        credits = sum(len(m[4]) for m in self.movies)
        return len(self.movies) + len({p for m in self.movies for p, _ in m[4]}) + credits + len(self.cms)


def copy_baseline(conninfo: str, files: dict[str, Path]) -> float:
    import psycopg

    statements = [
        ("person", "COPY people_person (id, external_id, full_name, birth_date, created_at, updated_at) FROM STDIN"),
        ("movie", "COPY catalog_movie (id, external_id, title, language, partner_description, description, source_used,"
                  " is_published, created_at, updated_at) FROM STDIN"),
        ("credit", "COPY people_credit (movie_id, person_id, role_name, billing_order) FROM STDIN"),
        ("cms", "COPY catalog_cmsdescription (movie_id, language, text, document_key, updated_at) FROM STDIN"),
    ]
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        for name, sql in statements:
            with cur.copy(sql) as copy, open(files[name], "rb") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        cur.execute("TRUNCATE people_credit, catalog_cmsdescription, catalog_movie, people_person RESTART IDENTITY CASCADE")
        conn.commit()
    return elapsed


# The child reports its own high-water RSS (VmHWM, per address space): the rusage of a forked child would
# also count the pages it shared with this (large) parent between fork and exec.
_MEASURED = (
    "import atexit, runpy, sys\n"
    "atexit.register(lambda: print('VmHWM', open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr))\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


def run_etl(env: dict, feed: Path, logs: Path) -> dict:
    """One `manage.py run_etl` process: wall time, the run's own time, and the process's peak RSS."""
    argv = [sys.executable, "-c", _MEASURED, "run_etl", "--partner", str(feed), "--cms", f"s3://{CMS_BUCKET}/cms", "--no-progress"]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"run_etl failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    match = re.search(r"run #\d+, ([\d.]+)s\): (.*)", done.stdout)
    peak_kib = int(re.search(r"VmHWM (\d+)", done.stderr).group(1))
    return {"wall": wall, "run": float(match.group(1)), "summary": match.group(2), "rss_mb": peak_kib / 1024}


def vacuum(conninfo: str) -> None:
    """Untimed, between runs: what autovacuum would do after a big load, so it does not run during the next one."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movies", type=int, default=100_000)
    parser.add_argument("--people", type=int, help="default: 3 x movies")
    parser.add_argument("--cms-docs", type=int, help="default: movies / 5")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    people = args.people or 3 * args.movies
    cms_docs = args.cms_docs if args.cms_docs is not None else args.movies // 5

    workdir = Path(tempfile.mkdtemp(prefix="etl-bench-"))
    try:
        t = time.perf_counter()
        catalog = Catalog(args.movies, people, cms_docs, args.seed)
        feed = workdir / "partner_movies.json"
        size = catalog.write_feed(feed)
        catalog.write_cms(workdir / "objects")
        files = catalog.write_copy_files(workdir)
        rows = catalog.row_count()
        print(f"generated {args.movies:,} movies, {people:,} people, {cms_docs:,} CMS documents; "
              f"feed {size / 2**20:.0f} MiB; {rows:,} catalog rows ({time.perf_counter() - t:.0f}s)", flush=True)

        conninfo = database_url("cinema_etl_bench", pgdata=workdir / "pgdata", cleanup=True)
        url = to_url(conninfo)
        # Single-process metrics: an empty PROMETHEUS_MULTIPROC_DIR would still switch on multiprocess mode.
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update({"DATABASE_URL": url, "LOCAL_OBJECT_STORE_DIR": str(workdir / "objects"),
                    "S3_ENDPOINT_URL": "", "LOG_LEVEL": "WARNING"})
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

        print(f"load average before the timed part: {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        copy_time = copy_baseline(conninfo, files)
        print(f"COPY of the same rows: {copy_time:.1f}s", flush=True)
        vacuum(conninfo)
        first = run_etl(env, feed, workdir)
        print(f"first load: {first['run']:.1f}s  {first['summary']}", flush=True)
        vacuum(conninfo)
        second = run_etl(env, feed, workdir)
        print(f"second load: {second['run']:.1f}s  {second['summary']}", flush=True)
        changed = catalog.change_one_percent()
        catalog.write_feed(feed)
        vacuum(conninfo)
        third = run_etl(env, feed, workdir)
        print(f"1% change reload ({changed:,} movies): {third['run']:.1f}s  {third['summary']}", flush=True)
    finally:
        stop_embedded()  # before the directory goes: the server must be stopped with its data in place
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"{'':28}{'run':>9}{'process':>10}{'rows/s':>11}{'peak RSS':>11}")
    for name, result in (("first load", first), ("second load (unchanged)", second), ("1% change reload", third)):
        print(f"{name:28}{result['run']:>8.1f}s{result['wall']:>9.1f}s{rows / result['run']:>11,.0f}{result['rss_mb']:>8.0f} MB")
    print(f"{'COPY of the same rows':28}{copy_time:>8.1f}s{'':>10}{rows / copy_time:>11,.0f}")
    print()
    peak = max(first["rss_mb"], second["rss_mb"], third["rss_mb"])
    ratio = first["run"] / copy_time
    print(f"first load / COPY: {ratio:.2f}x   (target: within 4x)")
    print(f"unchanged reload: {second['run']:.1f}s   (target: under 15 s)")
    print(f"peak memory (RSS) of run_etl: {peak:.0f} MB   (target: under 300 MB)")
    print(f"load average at the end (1/5/15 min): {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
