"""Scaling out, shown with real connections and a real broker: two relay workers never send one row
twice, and two consumers in one group share the topic's partitions and count every event once."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from django.db import connection

from activity.models import MovieDailyStats, OutboxEvent, ProcessedEvent
from activity.services import consume_activity, ingest_events, relay_outbox
from tests.activity.conftest import playback, read_topic
from tests.factories import MovieFactory

pytestmark = [pytest.mark.xdist_group("kafka"), pytest.mark.slow]


def _fill(monkeypatch, movie, *, sessions: int, seconds: int, viewer: str = "v") -> list[list[dict]]:
    import activity.services.outbox as outbox

    monkeypatch.setattr(outbox, "nudge_relay", lambda: None)  # the tests run the relays themselves
    played = [playback(movie.pk, seconds=seconds, step=2, viewer_id=f"{viewer}{i}") for i in range(sessions)]
    for events in played:
        ingest_events(events=events)
    return played


def _in_threads(*targets) -> list:
    results: list = [None] * len(targets)
    barrier = threading.Barrier(len(targets))

    def run(n, target):
        try:
            barrier.wait(timeout=10)
            results[n] = target()
        except Exception as exc:  # reported by the caller
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, t)) for n, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_relay_workers_never_send_one_row_twice(transactional_db, kafka_topic, kafka_bootstrap, monkeypatch):
    movie = MovieFactory()
    played = _fill(monkeypatch, movie, sessions=20, seconds=100)  # 20 x 51 events
    total = OutboxEvent.objects.count()

    def relay_all():
        sent = 0
        for _ in range(50):
            sent += relay_outbox(batch_size=150).sent  # small batches: many round trips, marking as they go
            if not OutboxEvent.objects.filter(sent_at__isnull=True).exists():
                break
        return sent

    reports = _in_threads(relay_all, relay_all)
    assert all(isinstance(r, int) for r in reports), reports
    assert sum(reports) == total
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
    messages = read_topic(kafka_bootstrap, kafka_topic, expect=total)
    ids = [json.loads(m.value())["event_id"] for m in messages]
    assert len(ids) == len(set(ids)) == total
    for events in played:
        got = [json.loads(m.value())["event_id"] for m in messages if m.key().decode() == events[0]["session_id"]]
        assert got == [e["event_id"] for e in events]  # per-session order


def test_two_consumers_in_one_group_share_the_partitions_and_count_each_event_once(
    transactional_db, kafka_topic, kafka_bootstrap, monkeypatch
):
    movie = MovieFactory()
    group = f"stats-{uuid.uuid4().hex[:6]}"
    stop = threading.Event()
    members: list = []

    # The topic exists (the broker creates it with 4 partitions on first produce) before the group forms.
    first = _fill(monkeypatch, movie, sessions=1, seconds=20, viewer="early")
    relay_outbox()

    def consumer():
        return consume_activity(group=group, session_timeout=3, should_stop=stop.is_set, on_start=members.append)

    results: list = []
    runner = threading.Thread(target=lambda: results.extend(_in_threads(consumer, consumer)))
    runner.start()
    try:
        deadline = time.monotonic() + 60
        # Wait for a settled group: both members hold partitions, together all of them, none twice.
        while not (len(members) == 2 and all(m.assigned for m in members) and not (members[0].assigned & members[1].assigned)
                   and len(members[0].assigned | members[1].assigned) == 4):
            assert time.monotonic() < deadline, f"the group never settled: {[m.assigned for m in members]}"
            time.sleep(0.2)
        played = first + _fill(monkeypatch, movie, sessions=40, seconds=20)
        relay_outbox()
        total = sum(len(events) for events in played)
        deadline = time.monotonic() + 60
        while ProcessedEvent.objects.count() < total:
            assert time.monotonic() < deadline, f"{ProcessedEvent.objects.count()} of {total} events consumed"
            time.sleep(0.2)
    finally:
        stop.set()
        runner.join(timeout=60)
    assert all(not isinstance(r, Exception) for r in results), results
    assert all(r.messages > 0 for r in results), [r.messages for r in results]  # both did a share
    assert ProcessedEvent.objects.count() == total
    stats = MovieDailyStats.objects.get(movie=movie)
    assert (stats.plays, stats.starts, stats.unique_viewers) == (41, 41, 41)
    assert stats.watch_seconds == pytest.approx(41 * 20.0)
