"""Redis (the Celery broker) down: ingest still stores the events and answers 202 quickly; the relay
catches up once Redis is back."""

from __future__ import annotations

import json
import logging
import time

import pytest

from activity.models import OutboxEvent
from activity.services.outbox import reset_nudge_state
from tests.activity.conftest import playback
from tests.activity.test_pipeline import wait_until, worker_env
from tests.factories import MovieFactory
from tests.services import start_redis_server

pytestmark = [pytest.mark.xdist_group("kafka"), pytest.mark.slow]


@pytest.fixture
def redis_server():
    server = start_redis_server()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server):
    """This module's own Redis (overrides the session one), so the test can stop it."""
    return f"redis://127.0.0.1:{redis_server.port}/0"


def test_ingest_answers_202_with_redis_down_and_the_relay_catches_up(
    transactional_db, redis_server, celery_worker, kafka_topic, settings, api_client, caplog
):
    worker = celery_worker(env=worker_env(settings))
    movie = MovieFactory()
    worker.stop()
    redis_server.stop()

    events = playback(movie.pk, seconds=30)
    caplog.set_level(logging.WARNING, logger="activity.services.outbox")
    started = time.monotonic()
    response = api_client.post("/api/v1/activity/events", data=json.dumps({"events": events}), content_type="application/json")
    elapsed = time.monotonic() - started
    assert response.status_code == 202 and response.json()["accepted"] == len(events)
    assert elapsed < 2, f"ingest took {elapsed:.1f}s with Redis down"
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == len(events)
    # The nudge failed in the background and said so.
    wait_until(lambda: "could not nudge the activity relay" in caplog.text, timeout=20, message="no log line for the failed nudge")
    more = playback(movie.pk, seconds=20)
    started = time.monotonic()
    assert api_client.post("/api/v1/activity/events", data=json.dumps({"events": more}), content_type="application/json").status_code == 202
    assert time.monotonic() - started < 2

    redis_server.start()
    reset_nudge_state()  # the back-off would otherwise wait out its 10 s
    worker.start()
    last = playback(movie.pk, seconds=20)
    assert api_client.post("/api/v1/activity/events", data=json.dumps({"events": last}), content_type="application/json").status_code == 202
    wait_until(lambda: not OutboxEvent.objects.filter(sent_at__isnull=True).exists(), timeout=30,
               message=f"the backlog did not drain\n{worker.log()}")
    assert OutboxEvent.objects.count() == len(events) + len(more) + len(last)
