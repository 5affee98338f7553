"""The whole path with a real Celery worker, Redis and Kafka: POST -> outbox -> relay task -> Kafka ->
consumer -> statistics, and a worker killed with SIGKILL in the middle of a relay."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core.management import call_command

from activity.models import MovieDailyStats, OutboxEvent, ProcessedEvent
from activity.services import ingest_events
from activity.tasks import relay_outbox_task
from tests.activity.conftest import playback, read_topic
from tests.factories import MovieFactory

pytestmark = [pytest.mark.xdist_group("kafka"), pytest.mark.slow]


def wait_until(predicate, *, timeout: float, interval: float = 0.05, message: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")


def worker_env(settings) -> dict:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": settings.KAFKA_BOOTSTRAP_SERVERS,
        "KAFKA_ACTIVITY_TOPIC": settings.KAFKA_ACTIVITY_TOPIC,
        "KAFKA_MESSAGE_TIMEOUT_MS": settings.KAFKA_MESSAGE_TIMEOUT_MS,
    }


def test_events_posted_like_the_player_reach_kafka_and_the_statistics(transactional_db, celery_worker, kafka_topic, kafka_bootstrap, settings, api_client):
    worker = celery_worker(env=worker_env(settings))
    movie = MovieFactory()
    sessions = [playback(movie.pk, seconds=60, duration=60.0, viewer_id=f"v{i}", finish="finished") for i in range(3)]
    for events in sessions:
        # The player's way: a fetch batch for the progress, a sendBeacon for the final stop.
        response = api_client.post("/api/v1/activity/events", data=json.dumps({"events": events[:-1]}), content_type="application/json")
        assert response.status_code == 202 and response.json()["accepted"] == len(events) - 1
        response = api_client.post("/api/v1/activity/events", data=json.dumps({"events": events[-1:]}), content_type="text/plain;charset=UTF-8")
        assert response.status_code == 202 and response.json()["accepted"] == 1
    total = sum(len(e) for e in sessions)
    # No relay runs in this process: only the worker, woken by the ingest's nudges, sends them.
    wait_until(lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(), timeout=30,
               message=f"the worker did not relay the outbox\n{worker.log()}")
    assert "activity.relay_outbox" in worker.log()
    messages = read_topic(kafka_bootstrap, kafka_topic, expect=total)
    assert sorted(json.loads(m.value())["event_id"] for m in messages) == sorted(e["event_id"] for s in sessions for e in s)

    call_command("consume_activity", group=f"stats-{uuid.uuid4().hex[:6]}", max_messages=total, idle_exit=15, session_timeout=3)
    stats = MovieDailyStats.objects.get(movie=movie)
    assert (stats.plays, stats.starts, stats.unique_viewers, stats.completions) == (3, 3, 3, 3)
    assert stats.watch_seconds == pytest.approx(180.0)


def test_worker_killed_mid_relay_loses_nothing_and_redelivery_is_absorbed(transactional_db, celery_worker, kafka_topic, kafka_bootstrap, settings, monkeypatch):
    import activity.services.outbox as outbox

    movie = MovieFactory()
    sessions = [playback(movie.pk, seconds=200, step=2, viewer_id=f"v{i}") for i in range(60)]  # 60 x 102 events
    with monkeypatch.context() as patch:
        patch.setattr(outbox, "nudge_relay", lambda: None)  # this test starts the relay itself, in small batches
        for events in sessions:
            ingest_events(events=events)
    total = OutboxEvent.objects.count()
    assert total == sum(len(e) for e in sessions)

    worker = celery_worker(env=worker_env(settings))
    relay_outbox_task.delay(batch_size=200)
    wait_until(lambda: OutboxEvent.objects.filter(sent_at__isnull=False).exists(), timeout=30, interval=0.01,
               message=f"the relay did not start\n{worker.log()}")
    worker.kill()
    sent_at_kill = OutboxEvent.objects.filter(sent_at__isnull=False).count()
    assert 0 < sent_at_kill < total, "the kill came too late to interrupt the relay"

    worker.start()
    relay_outbox_task.delay()  # what beat does every few seconds
    wait_until(lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(), timeout=60,
               message=f"the new worker did not finish the relay\n{worker.log()}")

    messages = read_topic(kafka_bootstrap, kafka_topic, expect=total, timeout=60)
    ids = [json.loads(m.value())["event_id"] for m in messages]
    assert set(ids) == {e["event_id"] for s in sessions for e in s}  # nothing lost
    # Per session, the first copies of its events are in order (a resend only repeats a tail).
    for events in sessions[:10]:
        got = [json.loads(m.value())["event_id"] for m in messages if m.key().decode() == events[0]["session_id"]]
        first_seen = list(dict.fromkeys(got))
        assert first_seen == [e["event_id"] for e in events]

    # Until the topic is drained (max_messages would count redelivered copies too); the same group
    # again if a slow group join made the first run give up early.
    group = f"stats-{uuid.uuid4().hex[:6]}"
    for _ in range(4):
        call_command("consume_activity", group=group, idle_exit=8, session_timeout=6)
        if ProcessedEvent.objects.count() == total:
            break
    assert ProcessedEvent.objects.count() == total
    stats = MovieDailyStats.objects.get(movie=movie)
    assert (stats.plays, stats.starts, stats.unique_viewers) == (60, 60, 60)
    assert stats.watch_seconds == pytest.approx(60 * 200.0)
