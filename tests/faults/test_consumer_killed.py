"""The statistics consumer (`manage.py consume_activity`) killed with SIGKILL in the middle of its work:
after a restart every event is counted exactly once (none lost, none counted twice).

The consumer runs as a real process against this test's database and the session's Kafka broker; the
messages are produced the way the relay produces them. (A Celery worker killed mid-relay is tested in
tests/activity/test_pipeline.py.)
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from django.db.models import Sum

from activity.models import MovieDailyStats, ProcessedEvent
from activity.kafka import build_message as kafka_message
from tests.activity.conftest import iso, playback
from tests.factories import MovieFactory
from tests.services import activity_consumer, test_database_url

pytestmark = [pytest.mark.slow]

SESSIONS_PER_MOVIE = 60


def _produce(bootstrap: str, topic: str, events: list[dict]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all"})
    received_at = iso(datetime.now(timezone.utc))
    for event in events:
        producer.produce(topic, key=event["session_id"], value=kafka_message(event, viewer_key=f"anon:{event['viewer_id']}", received_at=received_at))
        producer.poll(0)
    assert producer.flush(30) == 0


def test_consumer_killed_mid_batch_counts_every_event_once(transactional_db, kafka_bootstrap, tmp_path):
    topic = f"fault.activity.{uuid.uuid4().hex[:10]}"
    group = f"stats-{uuid.uuid4().hex[:6]}"
    movies = [MovieFactory() for _ in range(4)]
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    events = []
    for movie in movies:
        for n in range(SESSIONS_PER_MOVIE):
            events += playback(movie.pk, seconds=60, step=10, duration=60.0, viewer_id=f"v-{movie.pk}-{n}", start=start, finish="finished")
    _produce(kafka_bootstrap, topic, events)
    total = len(events)

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "DATABASE_"))},
        "DATABASE_URL": test_database_url(),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_ACTIVITY_TOPIC": topic,
        "LOG_LEVEL": "WARNING",
    }
    consumer = activity_consumer("--group", group, "--batch-size", "25", "--session-timeout", "6", env=env)

    def wait_for(condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert consumer.running, consumer.log(2000)
            assert time.monotonic() < deadline, f"{what} within {seconds:.0f} s:\n" + consumer.log(2000)
            time.sleep(0.02)

    consumer.start()
    try:
        wait_for(ProcessedEvent.objects.exists, 60, "the consumer processed nothing")
        consumer.kill()
        at_kill = ProcessedEvent.objects.count()
        assert 0 < at_kill < total, f"the kill came too late to interrupt the consumer ({at_kill} of {total})"

        # Restarted in the same group: what the dead one had not committed is delivered again.
        consumer.start()
        wait_for(lambda: ProcessedEvent.objects.count() >= total, 90, "the restarted consumer did not catch up")
        time.sleep(2)  # any redelivered copy still in flight must not count either
    finally:
        consumer.close(timeout=20)

    assert ProcessedEvent.objects.count() == total
    for movie in movies:
        sums = MovieDailyStats.objects.filter(movie=movie).aggregate(
            plays=Sum("plays"), starts=Sum("starts"), completions=Sum("completions"), watch=Sum("watch_seconds")
        )
        assert (sums["plays"], sums["starts"], sums["completions"]) == (SESSIONS_PER_MOVIE,) * 3, (movie.pk, sums)
        assert sums["watch"] == pytest.approx(SESSIONS_PER_MOVIE * 60.0)
