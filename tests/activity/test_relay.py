"""The relay against a real Kafka-protocol broker: delivery, headers, per-session order, dedupe,
Kafka down and back (with a broker restart that loses the producer's id), backlog metrics."""

from __future__ import annotations

import re

import json
import uuid

import pytest
from django.core.management import call_command
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from prometheus_client import REGISTRY

from activity import kafka
from activity.models import MovieDailyStats, OutboxEvent
from activity.services import ingest_events, relay_outbox
from activity.services.relay import KafkaUnavailable
from tests.activity.conftest import make_event, playback, read_topic
from tests.factories import MovieFactory
from tests.services import free_port, start_kafka_broker

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("kafka")]


def headers_of(message) -> dict:
    return {k: v.decode() for k, v in message.headers() or []}


def test_relay_sends_every_row_once_in_order_with_headers(kafka_bootstrap, kafka_topic):
    movie = MovieFactory()
    sessions = [playback(movie.pk, seconds=50, viewer_id=f"v{i}") for i in range(3)]
    span = NonRecordingSpan(SpanContext(trace_id=0x1234, span_id=0x5678, is_remote=True, trace_flags=TraceFlags(1)))
    with trace.use_span(span):
        for events in sessions:
            ingest_events(events=events)
    total = sum(len(s) for s in sessions)
    report = relay_outbox()
    assert (report.sent, report.failed) == (total, 0)
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
    assert relay_outbox().sent == 0  # nothing left: a second run sends nothing again

    messages = read_topic(kafka_bootstrap, kafka_topic, expect=total)
    assert len(messages) == total
    for events in sessions:
        session_id = events[0]["session_id"]
        got = [json.loads(m.value()) for m in messages if m.key().decode() == session_id]
        assert [g["event_id"] for g in got] == [e["event_id"] for e in events]  # per-session order
        assert len({m.partition() for m in messages if m.key().decode() == session_id}) == 1
    first = messages[0]
    assert headers_of(first)["event_type"] == json.loads(first.value())["type"]
    assert headers_of(first)["schema_version"] == "1"
    # The message continues the ingest's trace (its span id is the ingest's own span when the
    # OpenTelemetry SDK is active in this process, the caller's when it is not).
    assert re.fullmatch(f"00-{0x1234:032x}-[0-9a-f]{{16}}-01", headers_of(first)["traceparent"])
    stored = OutboxEvent.objects.first().traceparent
    assert stored.split("-")[1] == headers_of(first)["traceparent"].split("-")[1] == f"{0x1234:032x}"


def test_the_same_batch_posted_twice_reaches_kafka_once(api_client, kafka_bootstrap, kafka_topic):
    movie = MovieFactory()
    body = json.dumps({"events": playback(movie.pk, seconds=30)})
    for _ in range(2):
        assert api_client.post("/api/v1/activity/events", data=body, content_type="application/json").status_code == 202
        relay_outbox()
    messages = read_topic(kafka_bootstrap, kafka_topic, expect=5)
    ids = [json.loads(m.value())["event_id"] for m in messages]
    assert len(ids) == len(set(ids)) == 5


def test_consumer_command_builds_statistics_and_commits_offsets(kafka_bootstrap, kafka_topic):
    movie = MovieFactory()
    events = playback(movie.pk, seconds=60, duration=60.0, finish="finished")
    ingest_events(events=events)
    relay_outbox()
    group = f"stats-{uuid.uuid4().hex[:6]}"
    call_command("consume_activity", group=group, max_messages=len(events), idle_exit=15, session_timeout=3)
    stats = MovieDailyStats.objects.get(movie=movie)
    assert (stats.plays, stats.completions, stats.watch_seconds) == (1, 1, 60.0)
    # Offsets were committed: the same group reads nothing more, and the stats stay as they are.
    call_command("consume_activity", group=group, idle_exit=3, session_timeout=3)
    stats.refresh_from_db()
    assert stats.plays == 1
    # A new group re-reads everything (a redelivery): the dedupe absorbs it.
    call_command("consume_activity", group=f"{group}-again", max_messages=len(events), idle_exit=15, session_timeout=3)
    stats.refresh_from_db()
    assert (stats.plays, stats.watch_seconds) == (1, 60.0)


def test_consumer_skips_unreadable_messages(kafka_bootstrap, kafka_topic):
    from confluent_kafka import Producer

    movie = MovieFactory()
    producer = Producer({"bootstrap.servers": kafka_bootstrap})
    producer.produce(kafka_topic, value=b"{not json")
    producer.produce(kafka_topic, value=b'{"hello": 1}')
    producer.flush(10)
    ingest_events(events=playback(movie.pk, seconds=20))
    relay_outbox()
    call_command("consume_activity", group=f"g-{uuid.uuid4().hex[:6]}", max_messages=6, idle_exit=15, session_timeout=3)
    assert MovieDailyStats.objects.get(movie=movie).plays == 1


def _sample(name: str) -> float:
    """The metric's value, summed over its labels."""
    return sum(
        sample.value for family in REGISTRY.collect() for sample in family.samples if sample.name == name
    )


@pytest.fixture
def own_broker(settings):
    """A broker of this test alone, to stop and start (memory-only: a restart loses every topic)."""
    broker = start_kafka_broker()
    settings.KAFKA_BOOTSTRAP_SERVERS = f"127.0.0.1:{broker.port}"
    settings.KAFKA_ACTIVITY_TOPIC = f"test.activity.{uuid.uuid4().hex[:10]}"
    settings.KAFKA_MESSAGE_TIMEOUT_MS = 3000
    kafka.reset_producer()
    yield broker
    kafka.reset_producer()
    broker.close()


def test_kafka_down_keeps_events_and_drains_in_order_when_back(own_broker, api_client, settings):
    movie = MovieFactory()
    bootstrap = settings.KAFKA_BOOTSTRAP_SERVERS
    # Before the outage: one session goes through (so the producer has an id the broker will forget).
    before = playback(movie.pk, seconds=20, viewer_id="early")
    ingest_events(events=before)
    assert relay_outbox().sent == len(before)
    call_command("consume_activity", group="stats", max_messages=len(before), idle_exit=15, session_timeout=3)

    own_broker.stop()
    during = [playback(movie.pk, seconds=40, viewer_id=f"late{i}") for i in range(2)]
    for events in during:
        response = api_client.post("/api/v1/activity/events", data=json.dumps({"events": events}), content_type="application/json")
        assert response.status_code == 202 and response.json()["accepted"] == len(events)
    waiting = sum(len(e) for e in during)
    errors_before = _sample("cinema_activity_kafka_delivery_errors_total")
    with pytest.raises(KafkaUnavailable):
        relay_outbox()
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == waiting
    assert all(row.attempts == 1 and row.last_error for row in OutboxEvent.objects.filter(sent_at__isnull=True))
    assert _sample("cinema_activity_outbox_backlog") == waiting
    assert _sample("cinema_activity_outbox_oldest_unsent_age_seconds") > 0
    assert _sample("cinema_activity_kafka_delivery_errors_total") > errors_before

    own_broker.start()  # empty again: the topic and the producer id are gone
    sent = 0
    for _ in range(5):  # the task's retries, run by hand: the first may meet the producer's fatal error
        try:
            sent += relay_outbox().sent
        except KafkaUnavailable:
            continue
        if sent == waiting:
            break
    assert sent == waiting
    assert _sample("cinema_activity_outbox_backlog") == 0
    messages = read_topic(bootstrap, settings.KAFKA_ACTIVITY_TOPIC, expect=waiting)
    assert len(messages) == waiting
    for events in during:
        got = [json.loads(m.value())["event_id"] for m in messages if m.key().decode() == events[0]["session_id"]]
        assert got == [e["event_id"] for e in events]
    # The consumer group's offsets died with the broker; it starts from the earliest and counts the rest.
    call_command("consume_activity", group="stats", max_messages=waiting, idle_exit=15, session_timeout=3)
    assert MovieDailyStats.objects.get(movie=movie).plays == 3
    _ = make_event


def test_embedded_mode_relays_after_the_commit_and_survives_kafka_down(transactional_db, own_broker, api_client, settings):
    """No Celery broker (eager): the ingest request relays after its commit; with Kafka down it still
    answers 202 within the message timeout instead of retrying forever."""
    import time

    movie = MovieFactory()
    events = playback(movie.pk, seconds=20)
    response = api_client.post("/api/v1/activity/events", data=json.dumps({"events": events}), content_type="application/json")
    assert response.status_code == 202
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()  # relayed in the request

    own_broker.stop()
    more = playback(movie.pk, seconds=20)
    started = time.monotonic()
    response = api_client.post("/api/v1/activity/events", data=json.dumps({"events": more}), content_type="application/json")
    assert response.status_code == 202 and response.json()["accepted"] == len(more)
    assert time.monotonic() - started < settings.KAFKA_MESSAGE_TIMEOUT_MS / 1000 + 10
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == len(more)


def test_a_lingering_relay_sends_rows_committed_after_it_ran_empty_and_then_stops(transactional_db, kafka_bootstrap, kafka_topic,
                                                                                  monkeypatch):
    """The Celery task's relay keeps looking a moment after the outbox ran empty: a batch committed then
    (by another connection) leaves in the same run, in order. A run that found nothing to send does
    not linger."""
    import threading
    import time

    from types import SimpleNamespace

    from django.db import connections

    import activity.services.outbox as outbox

    # As with a Celery worker: the ingest only asks for a relay (counted here), it never relays itself.
    nudges: list[float] = []
    monkeypatch.setattr(outbox, "current_app", SimpleNamespace(conf=SimpleNamespace(task_always_eager=False)))
    monkeypatch.setattr(outbox, "_send_nudge", lambda: nudges.append(time.monotonic()))
    movie = MovieFactory()
    first, second = playback(movie.pk, seconds=40, viewer_id="v1"), playback(movie.pk, seconds=40, viewer_id="v2")
    ingest_events(events=first)

    def ingest_later():
        time.sleep(0.3)
        ingest_events(events=second)
        connections.close_all()

    later = threading.Thread(target=ingest_later)
    later.start()
    started = time.monotonic()
    report = relay_outbox(linger=1.5)
    elapsed = time.monotonic() - started
    later.join()
    assert (report.sent, report.failed) == (len(first) + len(second), 0)
    assert nudges  # the late batch asked for a relay; the lingering one sent it
    assert 0.3 < elapsed < 0.3 + 1.5 + 2  # sent the late batch, then lingered at most 1.5 s more
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
    messages = read_topic(kafka_bootstrap, kafka_topic, expect=len(first) + len(second))
    assert [json.loads(m.value())["event_id"] for m in messages if m.key().decode() == second[0]["session_id"]] == [
        e["event_id"] for e in second
    ]

    started = time.monotonic()
    assert relay_outbox(linger=5.0).sent == 0
    assert time.monotonic() - started < 1.0  # nothing sent: no linger


def test_a_starting_worker_connects_the_relays_producer_before_the_first_rows(kafka_bootstrap, kafka_topic, caplog):
    assert kafka.client._producer is None
    warming = kafka.client.warm_producer()
    warming.join(20)
    assert not warming.is_alive()
    warmed = kafka.client._producer
    assert warmed is not None and "could not connect" not in caplog.text
    assert kafka.client.get_producer() is warmed  # the relay's own producer, not a second one
    # and the topic's metadata is there: the producer knows its partitions without asking again
    unwrapped = warmed.original_producer() if hasattr(warmed, "original_producer") else warmed  # tracing's proxy
    assert unwrapped.list_topics(kafka_topic, timeout=0.5).topics[kafka_topic].partitions


def test_warming_against_a_broker_that_is_down_logs_and_leaves_the_relay_to_report(settings, caplog):
    settings.KAFKA_BOOTSTRAP_SERVERS = f"127.0.0.1:{free_port()}"
    warming = kafka.client.warm_producer(timeout=1.0)
    warming.join(20)
    assert not warming.is_alive()
    assert "kafka producer could not connect ahead of the first relay" in caplog.text


def test_no_broker_configured_warms_nothing(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = ""
    assert kafka.client.warm_producer() is None
    assert kafka.client._producer is None
