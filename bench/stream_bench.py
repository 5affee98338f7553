#!/usr/bin/env python
"""Streaming benchmark: one large video object served by the stream endpoint vs read directly from S3.

Puts a `--size-mb` object (1 GB by default) in an S3 server (S3_ENDPOINT_URL, or a moto server started
here), points a movie's video at it, starts the production server (gunicorn with gunicorn.conf.py)
and reports, next to a direct read of the same object from the same S3 server in the same run:

  * throughput of a full read, and of `--ranges` random 1 MiB ranges (ratio endpoint / direct);
  * time to first byte of a 1 MiB range;
  * throughput with `--clients` concurrent clients each reading `--client-mb` from a random offset;
  * peak RSS growth of the gunicorn processes while streaming (vs. after a warm-up request);
  * catalog API latency alone and while `--held-streams` slow viewers keep streams open.

It prints figures; it never passes or fails.

    .venv/bin/python bench/stream_bench.py [--size-mb 1024] [--ranges 200] [--clients 50] [--held-streams 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import database_url, free_port, migrate, start_server, to_url  # noqa: E402

MiB = 1024 * 1024
CHUNK = 256 * 1024
BUCKET = "bench-videos"
KEY = "videos/bench/large.bin"
SMALL_KEY = "videos/bench/small.bin"  # for the concurrency phases on a server that copies whole objects


class RepeatingRandom:
    """A file-like of `size` bytes made of a repeated 16 MiB random block (fast to produce, not compressible)."""

    def __init__(self, size: int):
        self.size, self.pos = size, 0
        self.block = random.Random(1).randbytes(16 * MiB)

    def read(self, amount: int = -1) -> bytes:
        amount = self.size - self.pos if amount is None or amount < 0 else min(amount, self.size - self.pos)
        start = self.pos % len(self.block)
        out = (self.block[start:] + self.block)[:amount] if start + amount > len(self.block) else self.block[start : start + amount]
        self.pos += len(out)
        return out


def start_s3rver(binary: str, workdir: Path):
    """s3rver (npm): a file-backed S3 API server that streams ranges from disk, like MinIO does."""
    from tests.services import ServiceProcess

    data = workdir / "s3rver"
    data.mkdir()
    return ServiceProcess(
        "s3rver", lambda port, _: [binary, "-d", str(data), "-a", "127.0.0.1", "-p", str(port), "--silent"]
    ).start()


def s3_setup(sizes: dict[str, int], *, s3rver: str | None, workdir: Path):
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    server, kind = None, "S3_ENDPOINT_URL"
    endpoint = os.environ.get("S3_ENDPOINT_URL")
    if not endpoint and s3rver:
        server, kind = start_s3rver(s3rver, workdir), "s3rver"
    elif not endpoint:
        from tests.services import start_s3_server

        server, kind = start_s3_server(), "moto"
    if server is not None:
        endpoint = f"http://127.0.0.1:{server.port}"
    keys = {
        "aws_access_key_id": os.environ.get("S3_ACCESS_KEY_ID") or "S3RVER",
        "aws_secret_access_key": os.environ.get("S3_SECRET_ACCESS_KEY") or "S3RVER",
    }
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", config=Config(max_pool_connections=64, s3={"addressing_style": "path"}), **keys
    )
    try:
        client.create_bucket(Bucket=BUCKET)
    except (client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists):
        pass
    for key, size in sizes.items():
        started = time.perf_counter()
        client.upload_fileobj(RepeatingRandom(size), BUCKET, key, ExtraArgs={"ContentType": "video/mp4"},
                              Config=TransferConfig(multipart_chunksize=64 * MiB, max_concurrency=2))
        print(f"object: {size / MiB:.0f} MiB uploaded in {time.perf_counter() - started:.1f}s to {kind} at {endpoint}")
    return client, endpoint, keys, server, kind


def create_assets(db_url: str, sizes: dict[str, int]) -> dict[str, int]:
    """A movie per object; returns the movie id of each key."""
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")
    import django

    django.setup()
    from catalog.models import Movie
    from streaming.models import VideoAsset

    ids = {}
    for key, size in sizes.items():
        movie = Movie.objects.create(title=f"Benchmark film {key}", language="en")
        VideoAsset.objects.create(movie=movie, key=key, size=size, content_type="video/mp4", sha256="b" * 64)
        ids[key] = movie.pk
    Movie.objects.bulk_create(Movie(title=f"Catalog film {i}", language="en") for i in range(200))
    return ids


class RssSampler:
    """Samples the RSS of the gunicorn master and workers every 50 ms; reports growth over a baseline."""

    def __init__(self, master_pid: int):
        self.master = master_pid
        self.peak: dict[int, int] = {}
        self.baseline: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.master}/task/{self.master}/children").read_text().split()
        return [self.master, *map(int, children)]

    @staticmethod
    def rss(pid: int) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def mark_baseline(self) -> None:
        self.baseline = {pid: self.rss(pid) for pid in self.pids()}
        self.peak = dict(self.baseline)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids():
                try:
                    self.peak[pid] = max(self.peak.get(pid, 0), self.rss(pid))
                except OSError:
                    pass
            time.sleep(0.05)

    def start(self) -> None:
        self._thread.start()

    def report(self, *, stop: bool = True) -> str:
        if stop:
            self._stop.set()
            self._thread.join()
        growth = {pid: self.peak[pid] - self.baseline.get(pid, self.peak[pid]) for pid in self.peak}
        worst = max(growth.values())
        total = sum(self.peak.values())
        return f"peak RSS growth of one process {worst / MiB:.1f} MiB; peak RSS of all gunicorn processes {total / MiB:.0f} MiB"


def read_all(iterable) -> int:
    return sum(len(chunk) for chunk in iterable)


def mbps(nbytes: int, seconds: float) -> float:
    return nbytes / MiB / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="object size in MiB (default 1024 = 1 GiB)")
    parser.add_argument("--ranges", type=int, default=100, help="random 1 MiB ranges read each way (default 100)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--client-mb", type=int, default=16, help="MiB each concurrent client reads (default 16)")
    parser.add_argument("--held-streams", type=int, default=200, help="slow streams held open during the API check (default 200)")
    parser.add_argument("--s3rver", metavar="PATH", help="run this s3rver binary (npm package s3rver) as the S3 server "
                        "instead of moto; ignored when S3_ENDPOINT_URL is set")
    args = parser.parse_args()
    size = args.size_mb * MiB
    rng = random.Random(7)
    workdir = Path(tempfile.mkdtemp(prefix="stream-bench-"))

    sizes = {KEY: size, SMALL_KEY: min(64 * MiB, size)}
    client, endpoint, keys, s3_server, kind = s3_setup(sizes, s3rver=args.s3rver, workdir=workdir)
    # moto reads the whole object into memory for every GET, even of one byte: 50 concurrent
    # readers of 1 GiB would need 50 GiB. There, the concurrent phases use a 64 MiB object.
    concurrent_key = SMALL_KEY if kind == "moto" else KEY
    db_url = to_url(database_url("cinema_stream_bench"))
    migrate(db_url)
    movie_ids = create_assets(db_url, sizes)
    port = free_port()
    env = {
        "S3_ENDPOINT_URL": endpoint, "S3_ACCESS_KEY_ID": keys["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": keys["aws_secret_access_key"], "S3_VIDEOS_BUCKET": BUCKET, "STREAMING_MODE": "proxy",
        "GUNICORN_ACCESSLOG": "off", "LOG_LEVEL": "WARNING",
    }
    server = start_server(db_url, port, env=env)
    base = f"http://127.0.0.1:{port}"
    stream_url = f"{base}/api/v1/movies/{movie_ids[KEY]}/stream"
    concurrent_url = f"{base}/api/v1/movies/{movie_ids[concurrent_key]}/stream"
    print(f"server: gunicorn.conf.py (GUNICORN_WORKERS={os.environ.get('GUNICORN_WORKERS', 'default')}, "
          f"GUNICORN_THREADS={os.environ.get('GUNICORN_THREADS', 'default')}), "
          f"STREAMING_CHUNK_SIZE={os.environ.get('STREAMING_CHUNK_SIZE', 'default')}; S3 server: {kind}")
    session = requests.Session()
    try:
        warm_up(base, stream_url)
        sampler = RssSampler(server.pid)
        sampler.mark_baseline()
        sampler.start()

        # Full read, twice each way, alternating (the first read also warms the S3 server's page cache).
        def direct_read() -> int:
            return read_all(client.get_object(Bucket=BUCKET, Key=KEY)["Body"].iter_chunks(CHUNK))

        def endpoint_read() -> int:
            with session.get(stream_url, stream=True, timeout=60) as response:
                return read_all(response.iter_content(CHUNK))

        best = {"direct": 0.0, "endpoint": 0.0}
        for _ in range(2):
            for name, read in (("direct", direct_read), ("endpoint", endpoint_read)):
                t = time.perf_counter()
                assert read() == size
                best[name] = max(best[name], mbps(size, time.perf_counter() - t))
        direct_full, endpoint_full = best["direct"], best["endpoint"]
        print(f"full read (best): direct {direct_full:7.1f} MiB/s   endpoint {endpoint_full:7.1f} MiB/s   ratio {endpoint_full / direct_full:.2f}")

        # Random 1 MiB ranges (what seeking players do), with time to first byte.
        offsets = [rng.randrange(0, size - MiB) for _ in range(args.ranges)]
        ttfb_direct, ttfb_endpoint = [], []
        t = time.perf_counter()
        for offset in offsets:
            started = time.perf_counter()
            body = client.get_object(Bucket=BUCKET, Key=KEY, Range=f"bytes={offset}-{offset + MiB - 1}")["Body"]
            first = body.read(1)
            ttfb_direct.append(time.perf_counter() - started)
            assert len(first) + read_all(body.iter_chunks(CHUNK)) == MiB
        direct_ranges = mbps(MiB * len(offsets), time.perf_counter() - t)
        t = time.perf_counter()
        for offset in offsets:
            started = time.perf_counter()
            with session.get(stream_url, headers={"Range": f"bytes={offset}-{offset + MiB - 1}"}, stream=True, timeout=30) as response:
                assert response.status_code == 206
                first = response.raw.read(1)
                ttfb_endpoint.append(time.perf_counter() - started)
                assert len(first) + read_all(response.iter_content(CHUNK)) == MiB
        endpoint_ranges = mbps(MiB * len(offsets), time.perf_counter() - t)
        print(f"1 MiB ranges:     direct {direct_ranges:7.1f} MiB/s   endpoint {endpoint_ranges:7.1f} MiB/s   ratio {endpoint_ranges / direct_ranges:.2f}"
              f"   ({len(offsets)} ranges)")
        print(f"time to 1st byte: direct p50 {statistics.median(ttfb_direct) * 1000:6.1f} ms   endpoint p50 {statistics.median(ttfb_endpoint) * 1000:6.1f} ms"
              f"   endpoint p95 {statistics.quantiles(ttfb_endpoint, n=20)[18] * 1000:6.1f} ms")
        head_times = []
        for _ in range(50):
            started = time.perf_counter()
            session.head(stream_url, timeout=30).raise_for_status()
            head_times.append(time.perf_counter() - started)
        print(f"HEAD (no storage): p50 {statistics.median(head_times) * 1000:6.1f} ms   (the app's own cost per request)")
        print(f"memory so far:    {sampler.report(stop=False)}")

        # Concurrent clients.
        span = args.client_mb * MiB
        concurrent_size = sizes[concurrent_key]

        def direct_client(offset: int) -> int:
            body = client.get_object(Bucket=BUCKET, Key=concurrent_key, Range=f"bytes={offset}-{offset + span - 1}")["Body"]
            return read_all(body.iter_chunks(CHUNK))

        def endpoint_client(offset: int) -> int:
            with requests.get(concurrent_url, headers={"Range": f"bytes={offset}-{offset + span - 1}"}, stream=True, timeout=120) as response:
                return read_all(response.iter_content(CHUNK))

        starts = [rng.randrange(0, concurrent_size - span + 1) for _ in range(args.clients)]
        results = {}
        for name, fn in (("direct", direct_client), ("endpoint", endpoint_client)):
            t = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                total = sum(pool.map(fn, starts))
            assert total == span * args.clients
            results[name] = mbps(total, time.perf_counter() - t)
        print(f"{args.clients} concurrent:    direct {results['direct']:7.1f} MiB/s   endpoint {results['endpoint']:7.1f} MiB/s   "
              f"ratio {results['endpoint'] / results['direct']:.2f}   ({args.client_mb} MiB each of a {concurrent_size // MiB} MiB object)")
        print(f"memory:           {sampler.report()}")

        api_latency(base, concurrent_url, args.held_streams, concurrent_size, rng)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if s3_server is not None:
            s3_server.close()


def warm_up(base: str, stream_url: str) -> None:
    """A few requests of each kind, two at a time so both workers load what a first request loads."""

    def one(i: int) -> None:
        requests.get(stream_url, headers={"Range": f"bytes={i * MiB}-{i * MiB + MiB - 1}"}, timeout=60).raise_for_status()
        requests.get(f"{base}/api/v1/movies/?limit=20", timeout=30).raise_for_status()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, range(8)))


def api_latency(base: str, stream_url: str, held: int, size: int, rng: random.Random) -> None:
    """Catalog API latency alone, then while `held` viewers keep slow streams open."""

    def measure() -> tuple[float, float, int]:
        times, failures = [], 0
        with requests.Session() as session:
            for _ in range(40):
                started = time.perf_counter()
                try:
                    ok = session.get(f"{base}/api/v1/movies/?limit=20", timeout=10).status_code == 200
                except requests.RequestException:
                    ok = False
                times.append(time.perf_counter() - started)
                failures += not ok
        return statistics.median(times) * 1000, statistics.quantiles(times, n=20)[18] * 1000, failures

    p50, p95, failed = measure()
    print(f"catalog API:      alone          p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  failures {failed}/40")

    stop = threading.Event()
    opened = threading.Semaphore(0)
    failures: list[int] = []

    def slow_viewer() -> None:
        # A player with a full buffer: reads a little now and then, keeping its stream (and thread) busy.
        offset = rng.randrange(0, size // 2)
        try:
            with requests.get(stream_url, headers={"Range": f"bytes={offset}-"}, stream=True, timeout=30) as response:
                opened.release()
                for _ in response.iter_content(64 * 1024):
                    if stop.wait(0.5):
                        return
        except requests.RequestException:
            failures.append(1)
            opened.release()

    viewers = [threading.Thread(target=slow_viewer, daemon=True) for _ in range(held)]
    for viewer in viewers:
        viewer.start()
    deadline = time.monotonic() + 60
    for _ in range(held):
        opened.acquire(timeout=max(deadline - time.monotonic(), 0.1))
    p50, p95, failed = measure()
    print(f"catalog API:      {held} streams  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  failures {failed}/40"
          f"   (streams that failed to open: {len(failures)})")
    stop.set()
    for viewer in viewers:
        viewer.join(timeout=10)


if __name__ == "__main__":
    main()
