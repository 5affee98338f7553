#!/usr/bin/env python
"""Python CPU per request of the API, in-process: the WSGI application called directly, no server.

Measures `time.process_time()` (this process only: PostgreSQL's own work is not counted, psycopg's
client side is) per request for a few uncached endpoints, after a warm-up, and optionally profiles
them with cProfile. Settings as the catalog bench's server (DEBUG off, database caches, no response
cache unless --cache); DATABASE_URL defaults to the bench database (bench/catalog_bench.py --load-only).
Prints figures, never passes or fails; the machine's load average is printed with them.

    .venv/bin/python bench/request_cpu.py [--movies 100000] [--n 200] [--profile /api/v1/movies/?limit=24]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def environ_for(path: str) -> dict:
    path_info, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path_info, "QUERY_STRING": query, "RAW_URI": path,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8002", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8002", "HTTP_ACCEPT": "*/*", "HTTP_USER_AGENT": "wrk",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def call(app, path: str) -> int:
    status = []
    result = app(environ_for(path), lambda s, h, exc_info=None: status.append(s))
    for _ in result:
        pass
    if hasattr(result, "close"):
        result.close()
    return int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--movies", type=int, default=100000)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--cache", default="none", help="RESPONSE_CACHE_BACKEND (none: every request uncached)")
    parser.add_argument("--log-level", default="WARNING", help="LOG_LEVEL (INFO writes the access-log line)")
    parser.add_argument("--profile", action="append", default=[], help="a path to profile with cProfile")
    parser.add_argument("--ab-filter", action="store_true",
                        help="A/B, interleaved: django-filter's own backend (A) against the configured one (B)")
    parser.add_argument("--ab-list-serializer", action="store_true",
                        help="A/B, interleaved: the movie list with DRF's ListSerializer (A) and core.api.FastListSerializer (B); "
                        "checks the bodies are identical")
    parser.add_argument("--only", default="", help="comma-separated labels to measure (list, list q rare, genres, movie detail, actor detail, 404, healthz)")
    parser.add_argument("--rare", default="", help="the rare word searched (default: the bench's first rare word)")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        from bench.catalog_bench import admin_conninfo, bench_conninfo, to_url

        os.environ["DATABASE_URL"] = to_url(bench_conninfo(admin_conninfo(), args.movies))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "cinema_project.settings", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": args.log_level, "LOG_FORMAT": "json", "STATIC_MANIFEST": "0", "THROTTLE_SEARCH": "100000000/min",
        "CACHE_BACKEND": "database", "REDIS_URL": "", "RESPONSE_CACHE_BACKEND": args.cache,
        "CELERY_BROKER_URL": "", "KAFKA_BOOTSTRAP_SERVERS": "",
    })
    sys.stdout = open(os.devnull, "w")  # the log lines (access log at INFO): formatted and written, not shown
    from cinema_project.wsgi import application

    rare = args.rare
    if not rare:
        import json

        meta = ROOT / "var" / f"catalog-bench-{args.movies}.json"
        rare = json.loads(meta.read_text()).get("rare", "zzzz") if meta.exists() else "zzzz"
    paths = {
        "list": "/api/v1/movies/?limit=24",
        "list q rare": f"/api/v1/movies/?q={rare}",
        "genres": "/api/v1/genres/",
        "movie detail": "/api/v1/movies/4242/",
        "actor detail": "/api/v1/people/4242/",
        "404": "/api/v1/nothing-here/",
        "healthz": "/healthz",
    }
    if args.only:
        paths = {label: path for label, path in paths.items() if label in args.only.split(",")}
    out = sys.__stdout__
    print(f"load average {os.getloadavg()[0]:.1f}; {args.n} requests each; CPU ms per request (process_time), wall ms", file=out)
    for label, path in paths.items():
        for _ in range(10):
            status = call(application, path)
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.n):
            call(application, path)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"  {label:12} {status}  cpu {cpu * 1000 / args.n:6.2f}  wall {wall * 1000 / args.n:6.2f}  {path}", file=out)
    def interleaved(sides: dict, use, suffix=lambda label: ""):
        """CPU ms per request of each side on the movie paths, the sides alternating ten times."""
        for label, path in paths.items():
            if not path.startswith("/api/v1/movies/"):
                continue
            note = suffix(path)
            spent = dict.fromkeys(sides, 0.0)
            for _ in range(10):
                for side, value in sides.items():
                    use(value)
                    cpu = time.process_time()
                    for _ in range(max(args.n // 10, 1)):
                        call(application, path)
                    spent[side] += time.process_time() - cpu
            n = 10 * max(args.n // 10, 1)
            print(f"  A/B {label:12} " + "  ".join(f"{side} {ms * 1000 / n:5.2f}" for side, ms in spent.items()) + note, file=out)

    if args.ab_filter:
        from django_filters.rest_framework import DjangoFilterBackend
        from rest_framework.generics import GenericAPIView

        configured = GenericAPIView.filter_backends
        interleaved({"A django-filter": [DjangoFilterBackend], "B configured": configured},
                    lambda backends: setattr(GenericAPIView, "filter_backends", backends))
        GenericAPIView.filter_backends = configured
    if args.ab_list_serializer:
        from rest_framework.serializers import ListSerializer

        from catalog.api import MovieListSerializer
        from core.api import FastListSerializer

        meta = MovieListSerializer.Meta
        original = getattr(meta, "list_serializer_class", ListSerializer)
        sides = {"A DRF list": ListSerializer, "B FastListSerializer": FastListSerializer}

        def use(list_class):
            meta.list_serializer_class = list_class

        def identical(path) -> str:
            bodies = set()
            for list_class in sides.values():
                use(list_class)
                bodies.add(b"".join(application(environ_for(path), lambda s, h, exc_info=None: None)))
            return f"  bodies identical: {len(bodies) == 1}"

        interleaved(sides, use, identical)
        meta.list_serializer_class = original
    for path in args.profile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not wall: waits on PostgreSQL are not counted
        profiler.enable()
        for _ in range(args.n):
            call(application, path)
        profiler.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        stats.dump_stats(str(ROOT / "var" / f"request_cpu-{len(args.profile) and args.profile.index(path)}.prof"))
        print(stream.getvalue(), file=out)


if __name__ == "__main__":
    main()
