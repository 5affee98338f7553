"""Overlapping event batches posted at once (retries from many tabs, a proxy replaying): every batch
is answered 202 with its per-event results, and every event is stored, and queued for Kafka, once.

Real PostgreSQL connections, one per client thread (transactional_db: each request commits).
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

from django.db import connection
from rest_framework.test import APIClient

from activity.models import OutboxEvent, PlaybackSession, ResumePosition
from tests.activity.conftest import make_event
from tests.factories import MovieFactory

URL = "/api/v1/activity/events"
CLIENTS = 16
BATCHES_PER_CLIENT = 6
BATCH_SIZE = 60


def _pool(movies, *, sessions: int = 40, events_per_session: int = 10) -> list[dict]:
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    pool = []
    for s in range(sessions):
        session_id = str(uuid.uuid4())
        movie, viewer = movies[s % len(movies)], f"viewer-{s % 7}"
        for n in range(events_per_session):
            pool.append(make_event(movie.pk, type="play" if n == 0 else "progress", position=float(30 * n + s),
                                   session_id=session_id, viewer_id=viewer, duration=3600.0,
                                   occurred_at=start + timedelta(seconds=60 * n + s)))
    return pool


def test_overlapping_shuffled_batches_are_all_stored_once(transactional_db):
    movies = [MovieFactory() for _ in range(3)]
    pool = _pool(movies)
    rng = random.Random(1234)
    batches = [[dict(e) for e in rng.sample(pool, BATCH_SIZE)] for _ in range(CLIENTS * BATCHES_PER_CLIENT)]
    answers: list[tuple[list[dict], int, dict | str, float]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def client_loop(n: int) -> None:
        client = APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}")
        try:
            barrier.wait()
            for batch in batches[n::CLIENTS]:
                started = time.monotonic()
                response = client.post(URL, data=json.dumps({"events": batch}), content_type="application/json")
                body = response.json() if response["Content-Type"].startswith("application/json") else response.content.decode()
                with lock:
                    answers.append((batch, response.status_code, body, time.monotonic() - started))
        finally:
            connection.close()

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(answers) == len(batches)

    statuses = Counter(status for _, status, _, _ in answers)
    assert statuses == {202: len(batches)}, [body for _, status, body, _ in answers if status != 202][:3]
    accepted = Counter()
    for batch, _, body, _ in answers:
        results = body["results"]
        assert [r["index"] for r in results] == list(range(len(batch)))
        assert [r["event_id"] for r in results] == [e["event_id"] for e in batch]
        assert {r["status"] for r in results} <= {"accepted", "duplicate"}, results
        accepted.update(r["event_id"] for r in results if r["status"] == "accepted")
    posted = {e["event_id"] for batch in batches for e in batch}
    # Each event accepted by exactly one answer, duplicate in all the others ...
    assert set(accepted) == posted and set(accepted.values()) == {1}
    # ... stored once, so queued for Kafka once.
    stored = Counter(str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True))
    assert set(stored) == posted and set(stored.values()) == {1}
    # Resume positions: the latest event per (viewer, movie) by the client's clock, whatever the order.
    latest: dict[tuple[str, int], dict] = {}
    for e in pool:
        if e["event_id"] in posted:
            key = (f"anon:{e['viewer_id']}", e["movie_id"])
            if key not in latest or e["occurred_at"] > latest[key]["occurred_at"]:
                latest[key] = e
    stored_positions = {(r.viewer_key, r.movie_id): r.position for r in ResumePosition.objects.all()}
    assert stored_positions == {key: e["position"] for key, e in latest.items()}
    assert PlaybackSession.objects.count() == len({e["session_id"] for e in pool if e["event_id"] in posted})
    slowest = max(elapsed for *_, elapsed in answers)
    assert slowest < 30, f"slowest batch took {slowest:.1f}s"


def test_a_transaction_that_loses_a_deadlock_runs_again(transactional_db):
    """Two transactions taking two locks in opposite orders: PostgreSQL aborts one (a real deadlock),
    which runs again and succeeds; neither caller sees an error."""
    from activity.services.transactions import atomic_with_retry

    barrier = threading.Barrier(2)
    attempts: list[str] = []
    outcomes: dict[str, object] = {}

    def work(name: str, first: int, second: int):
        def body():
            attempts.append(name)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [first])
                if attempts.count(name) == 1:
                    barrier.wait(timeout=10)  # both hold their first lock before asking for the second
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [second])
            return name

        try:
            outcomes[name] = atomic_with_retry(body)
        except Exception as exc:  # reported below
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=("a", 7001, 7002)), threading.Thread(target=work, args=("b", 7002, 7001))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == {"a": "a", "b": "b"}
    assert len(attempts) == 3  # one of them ran twice


def test_a_batch_that_keeps_losing_races_is_a_409_not_database_unavailable(api_client, monkeypatch, db):
    import psycopg
    from django.db import OperationalError

    import activity.services.outbox as outbox
    import activity.services.transactions as transactions

    def deadlocked(*args, **kwargs):
        raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected("deadlock detected")

    monkeypatch.setattr(outbox, "insert_outbox_rows", deadlocked)
    monkeypatch.setattr(transactions.time, "sleep", lambda seconds: None)
    response = api_client.post(URL, data=json.dumps({"events": [make_event(MovieFactory().pk)]}), content_type="application/json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "write_conflict" and "again" in response.json()["detail"]
