"""Fixtures of the activity tests: event builders, a topic of its own per test, a clean throttle."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.core.cache import cache

from activity import kafka
from activity.services.outbox import reset_nudge_state
from core.times import rfc3339


def iso(moment: datetime) -> str:
    return rfc3339(moment.astimezone(timezone.utc))


def make_event(movie_id: int, *, type: str = "progress", position: float = 0.0, session_id: str | None = None,
               viewer_id: str = "browser-1", occurred_at: datetime | None = None, **extra) -> dict:
    event = {
        "event_id": str(uuid.uuid4()),
        "type": type,
        "movie_id": movie_id,
        "session_id": session_id or str(uuid.uuid4()),
        "viewer_id": viewer_id,
        "position": position,
        "occurred_at": iso(occurred_at or datetime.now(timezone.utc)),
    }
    if type == "stop":
        extra.setdefault("reason", "user_exit")
    if type == "error":
        extra.setdefault("error_code", "MEDIA_ERR_NETWORK")
    event.update(extra)
    return event


def recent_start(seconds: float) -> datetime:
    """A start `seconds` + 5 s ago, moved back before midnight if the session would straddle one.

    Statistics are kept per UTC day; a test run just after midnight must not split its session in two.
    """
    start = datetime.now(timezone.utc) - timedelta(seconds=seconds + 5)
    midnight = datetime.combine(datetime.now(timezone.utc).date(), datetime.min.time(), tzinfo=timezone.utc)
    if start < midnight:
        start = midnight - timedelta(seconds=seconds + 60)
    return start


def playback(movie_id: int, *, seconds: int, step: int = 10, duration: float = 600.0, viewer_id: str = "browser-1",
             start: datetime | None = None, finish: str | None = "user_exit") -> list[dict]:
    """A session the way the player sends it: play, progress every `step` s of real time, stop."""
    session_id = str(uuid.uuid4())
    start = start or recent_start(seconds)
    events = [make_event(movie_id, type="play", position=0, session_id=session_id, viewer_id=viewer_id, occurred_at=start, duration=duration)]
    for t in range(step, seconds + 1, step):
        events.append(make_event(movie_id, type="progress", position=float(t), session_id=session_id, viewer_id=viewer_id,
                                 occurred_at=start + timedelta(seconds=t), duration=duration))
    if finish:
        events.append(make_event(movie_id, type="stop", position=float(seconds), session_id=session_id, viewer_id=viewer_id,
                                 occurred_at=start + timedelta(seconds=seconds), duration=duration, reason=finish))
    return events


@pytest.fixture(autouse=True)
def _clean_activity_state():
    cache.clear()  # throttle counters
    reset_nudge_state()
    kafka.reset_producer()
    yield
    kafka.reset_producer()


@pytest.fixture
def kafka_topic(kafka_bootstrap, settings):
    """This test's own topic on the session's broker (created by the first produce)."""
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka_bootstrap
    settings.KAFKA_ACTIVITY_TOPIC = f"test.activity.{uuid.uuid4().hex[:10]}"
    settings.KAFKA_MESSAGE_TIMEOUT_MS = 5000
    kafka.reset_producer()
    return settings.KAFKA_ACTIVITY_TOPIC


def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0) -> list:
    """Every message of `topic` (a fresh consumer group), waiting until `expect` have arrived."""
    import time

    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex}", "enable.auto.commit": False})
    deadline = time.monotonic() + timeout
    # Assigned partitions, not a group subscription: joining a group waits for a rebalance.
    while True:
        topics = consumer.list_topics(topic, timeout=5).topics
        if topics.get(topic) and topics[topic].partitions and not topics[topic].error:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"topic {topic} never appeared")
        time.sleep(0.2)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in topics[topic].partitions])
    messages = []
    try:
        while time.monotonic() < deadline and len(messages) < expect:
            for message in consumer.consume(500, 0.5):
                if not message.error():
                    messages.append(message)
        # A little longer, to see duplicates beyond `expect`.
        extra_deadline = time.monotonic() + 1.0
        while time.monotonic() < extra_deadline:
            for message in consumer.consume(500, 0.3):
                if not message.error():
                    messages.append(message)
    finally:
        consumer.close()
    return messages
