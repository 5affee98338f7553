"""One play is one trace: the browser's ingest request (this process, in-memory exporter) -> the
relay task in a real Celery worker (on Redis) -> the Kafka message on a real broker -> the consumer
process (`manage.py consume_activity`). The worker and the consumer are separate processes that
export over OTLP/HTTP to a collector this test runs; the parent links are checked across all three.
The pipeline's counters are checked to move on the way, each in the process that counts it: ingest
on the web's /metrics, relay and task outcome on the worker's, consumption on the consumer's."""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from datetime import datetime, timezone

import pytest
from django.core.cache import cache
from opentelemetry.trace import SpanKind

from activity import kafka
from activity.models import OutboxEvent
from activity.services.outbox import reset_nudge_state
from tests.celery_worker import celery_worker  # noqa: F401  (the real-worker fixture)
from tests.factories import MovieFactory
from tests.ops.servers import OtlpCollector
from tests.ops.test_metrics import scrape, value
from tests.services import activity_consumer, free_port, test_database_url as worker_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BROWSER_TRACE_ID = "5b8efff798038103d269b633813fc60c"
BROWSER_SPAN_ID = "eee19b7ec3c1b174"


@pytest.fixture
def collector():
    server = OtlpCollector()
    yield server
    server.close()


def _event(movie_id: int, **fields) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "play",
        "movie_id": movie_id,
        "session_id": str(uuid.uuid4()),
        "viewer_id": "ops-trace-viewer",
        "position": 0,
        "occurred_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        "duration": 120.0,
        **fields,
    }


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _scrape_port(port: int) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_ingest_relay_kafka_consumer_is_one_trace(spans, api_client, settings, kafka_bootstrap, celery_worker, collector, tmp_path):
    topic = f"test.ops.trace.{uuid.uuid4().hex[:10]}"
    settings.KAFKA_BOOTSTRAP_SERVERS = kafka_bootstrap
    settings.KAFKA_ACTIVITY_TOPIC = topic
    settings.KAFKA_MESSAGE_TIMEOUT_MS = 5000
    kafka.reset_producer()
    cache.clear()
    reset_nudge_state()
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_SERVICE_NAME": ""}
    pipeline_env = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_ACTIVITY_TOPIC": topic, "KAFKA_MESSAGE_TIMEOUT_MS": "5000"}
    worker_metrics_port, consumer_metrics_port = free_port(), free_port()
    (tmp_path / "worker-metrics").mkdir()
    worker = celery_worker(env={
        **pipeline_env, **otel, "METRICS_PORT": worker_metrics_port, "PROMETHEUS_MULTIPROC_DIR": tmp_path / "worker-metrics",
    })
    movie = MovieFactory()
    before = scrape(api_client)

    # 1. The browser's batch, carrying the browser's trace context.
    good = _event(movie.pk)
    bad = _event(movie.pk, type="rewind")
    response = api_client.post(
        "/api/v1/activity/events",
        data=json.dumps({"events": [good, bad]}),
        content_type="application/json",
        HTTP_TRACEPARENT=f"00-{BROWSER_TRACE_ID}-{BROWSER_SPAN_ID}-01",
    )
    assert response.status_code == 202, response.content
    server = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert len(server) == 1
    server = server[0]
    assert format(server.context.trace_id, "032x") == BROWSER_TRACE_ID
    assert format(server.parent.span_id, "016x") == BROWSER_SPAN_ID
    server_span_id = format(server.context.span_id, "016x")

    # 2. The real worker relays the row to Kafka (nudged by the ingest after its commit).
    _wait(lambda: OutboxEvent.objects.filter(event_id=good["event_id"], sent_at__isnull=False).exists(), 30, f"the relay\n{worker.log()}")

    # The worker process counted the relay and the task on its own /metrics (METRICS_PORT), merged
    # over its prefork children. The task ends a moment after the row is marked (the relay lingers
    # for rows committed just after: activity.tasks.RELAY_LINGER), so wait for its count.
    def relayed_and_finished():
        samples = _scrape_port(worker_metrics_port)
        done = value(samples, "cinema_celery_tasks_total", task="activity.relay_outbox", outcome="success") >= 1
        return samples if done else None

    worker_samples = _wait(relayed_and_finished, 10, "the worker's metrics of a finished relay task")
    assert value(worker_samples, "cinema_activity_events_relayed_total", type="play") == 1

    # 3. The consumer process reads it and applies it to the statistics. (The test broker answers a
    # new group's JoinGroup only after about half the session timeout, ~23 s with the default.)
    consumer = activity_consumer(
        "--idle-exit", "60", "--group", f"ops-trace-{uuid.uuid4().hex[:8]}",
        env={**os.environ, **pipeline_env, **otel, "DATABASE_URL": worker_database_url(), "LOG_FORMAT": "json",
             "METRICS_PORT": str(consumer_metrics_port)},
    ).start()
    try:
        def consumed():
            try:
                return value(_scrape_port(consumer_metrics_port), "cinema_activity_events_consumed_total", type="play") == 1
            except OSError:
                return False

        _wait(consumed, 60, "the consumer to count the event\n" + consumer.log(2000))
    finally:
        consumer.stop(timeout=30)  # SIGTERM, a graceful stop: flushes its spans on the way out
    assert consumer.returncode == 0, consumer.log(3000)

    def exported():
        mine = [s for s in collector.spans if s["trace_id"] == BROWSER_TRACE_ID]
        services = {s["service"] for s in mine}
        return mine if {"cinema-worker", "cinema-consumer"} <= services and any(s["name"] == "activity.consume" for s in mine) else None

    remote = _wait(exported, 20, f"the worker's and consumer's spans (got {[(s['service'], s['name']) for s in collector.spans]})")
    # The Kafka send happened in the worker, as a child of the ingest request (the stored context).
    sends = [s for s in remote if s["service"] == "cinema-worker" and s["name"].startswith(f"{topic} send")]
    assert len(sends) == 1, [(s["service"], s["name"]) for s in remote]
    assert sends[0]["parent_span_id"] == server_span_id
    # ... sent while the relay task ran in that worker (the task's own span belongs to the trace of
    # the nudge that started it; the message carries the context stored with the event).
    task_runs = [s for s in collector.spans if s["service"] == "cinema-worker" and s["name"] == "run/activity.relay_outbox"]
    assert any(run["start"] <= sends[0]["start"] and sends[0]["end"] <= run["end"] for run in task_runs), task_runs
    # The consumer's processing continues the message's context.
    consumed = [s for s in remote if s["service"] == "cinema-consumer" and s["name"] == "activity.consume"]
    assert len(consumed) == 1
    assert consumed[0]["parent_span_id"] == sends[0]["span_id"]
    assert consumed[0]["attributes"]["activity.event_id"].string_value == good["event_id"]

    # The counters moved: in this process (ingest), in the worker and consumer processes (their own).
    after = scrape(api_client)
    accepted = value(after, "cinema_activity_events_accepted_total", type="play") - value(before, "cinema_activity_events_accepted_total", type="play")
    assert accepted == 1
    rejected = sum(v for (name, _), v in after.items() if name == "cinema_activity_events_rejected_total") - sum(
        v for (name, _), v in before.items() if name == "cinema_activity_events_rejected_total"
    )
    assert rejected == 1
