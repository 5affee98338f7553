"""The production web server (gunicorn, two workers) against servers this module starts and stops:
/readyz turns 503 when PostgreSQL or the object storage stops and recovers when they return; a request
writes one JSON log line with its trace and request ids and exports its spans over OTLP; /metrics
merges the workers' metrics and answers only the allowed addresses; an ETL run (`manage.py run_etl`)
is one trace."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time

import boto3
import pytest

from tests.ops.servers import REPO, OtlpCollector
from tests.services import ControlledPostgres, Gunicorn, migrate, start_s3_server

pytestmark = pytest.mark.slow

BUCKETS = ("ops-videos", "ops-cms")
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def _create_buckets(endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    postgres = ControlledPostgres()
    s3 = start_s3_server()
    collector = OtlpCollector()
    web = None
    try:
        migrate(postgres.url)
        s3_endpoint = f"http://127.0.0.1:{s3.port}"
        _create_buckets(s3_endpoint)
        env = {
            "DJANGO_ENV": "development",
            "DEBUG": "false",
            "DATABASE_URL": postgres.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "S3_ENDPOINT_URL": s3_endpoint,
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
            "S3_VIDEOS_BUCKET": BUCKETS[0],
            "S3_CMS_BUCKET": BUCKETS[1],
            # This server uses none of the suite's Redis/Kafka: readiness must not check them.
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "",
            "KAFKA_BOOTSTRAP_SERVERS": "",
            "LOG_FORMAT": "json",
            "METRICS_ALLOWED_IPS": "127.0.0.1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("prometheus-multiproc")),
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OTEL_SERVICE_NAME": "",
            "STATIC_MANIFEST": "0",
        }
        web = Gunicorn(env, inherit_env=True, workers=2, config=True, extra_args=("--graceful-timeout", "3")).start()
        yield {"postgres": postgres, "s3": s3, "s3_endpoint": s3_endpoint, "collector": collector, "web": web}
    finally:
        if web is not None:
            web.close()
        collector.close()
        s3.close()
        postgres.close()


def _get(stack, path, headers=None, source="127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", stack["web"].port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _readyz(stack):
    started = time.monotonic()
    status, _, body = _get(stack, "/readyz")
    return status, json.loads(body), time.monotonic() - started


def _wait_ready(stack, timeout=20.0):
    """Wait for a run of ready answers: each worker recovers on its own, and one 200 can come from the
    worker that recovered first while the other is still reconnecting (the next test would meet it)."""
    deadline = time.monotonic() + timeout
    good = 0
    while True:
        status, body, _ = _readyz(stack)
        good = good + 1 if status == 200 else 0
        if good == 10 or time.monotonic() > deadline:
            return status, body
        time.sleep(0.1)


def test_readyz_is_503_while_the_database_is_stopped(stack):
    status, body, _ = _readyz(stack)
    assert status == 200, body
    assert body["checks"] == {"database": {"status": "ok"}, "object_storage": {"status": "ok"}}

    stack["postgres"].stop()
    try:
        for _ in range(2):  # both gunicorn workers, whichever answers
            status, body, elapsed = _readyz(stack)
            assert status == 503
            assert body["status"] == "fail"
            assert body["checks"]["database"]["status"] == "fail" and body["checks"]["database"]["error"]
            assert body["checks"]["object_storage"] == {"status": "ok"}
            assert elapsed < 10
        assert _get(stack, "/healthz")[0] == 200  # the process itself is alive
    finally:
        stack["postgres"].start()
    status, body = _wait_ready(stack)
    assert status == 200, body


def test_readyz_is_503_while_the_object_storage_is_stopped_or_its_bucket_missing(stack):
    stack["s3"].stop()
    try:
        status, body, elapsed = _readyz(stack)
        assert status == 503
        assert body["checks"]["object_storage"]["status"] == "fail"
        assert body["checks"]["database"] == {"status": "ok"}
        assert elapsed < 15
    finally:
        stack["s3"].start()
    # The restarted server is empty: without its buckets the deployment is still not ready.
    status, body, _ = _readyz(stack)
    assert status == 503 and body["checks"]["object_storage"]["status"] == "fail"
    _create_buckets(stack["s3_endpoint"])
    status, body = _wait_ready(stack)
    assert status == 200, body


def test_a_request_logs_one_json_line_and_exports_its_trace(stack):
    headers = {"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01", "X-Request-ID": "ops-req-1"}
    status, response_headers, _ = _get(stack, "/api/v1/movies/", headers)
    assert status == 200
    assert response_headers["X-Request-ID"] == "ops-req-1"

    deadline = time.monotonic() + 15
    collector = stack["collector"]
    while time.monotonic() < deadline:
        mine = [s for s in collector.spans if s["trace_id"] == TRACE_ID]
        if any(s["attributes"].get("db.system") for s in mine) and any(s["parent_span_id"] == "b7ad6b7169203331" for s in mine):
            break
        time.sleep(0.1)
    mine = [s for s in collector.spans if s["trace_id"] == TRACE_ID]
    server = [s for s in mine if s["parent_span_id"] == "b7ad6b7169203331"]
    assert len(server) == 1, mine
    assert server[0]["service"] == "cinema-web"
    db = [s for s in mine if s["attributes"].get("db.system")]
    assert db and all(s["parent_span_id"] == server[0]["span_id"] for s in db)

    log = (stack["web"].workdir / "stdout.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    mine_lines = [line for line in lines if line.get("request_id") == "ops-req-1"]
    assert len(mine_lines) == 1, lines[-5:]
    assert mine_lines[0]["trace_id"] == TRACE_ID
    assert mine_lines[0]["span_id"] == server[0]["span_id"]
    assert mine_lines[0]["status"] == 200 and mine_lines[0]["path"] == "/api/v1/movies/"
    assert mine_lines[0]["service"] == "cinema-web"


def _sample(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_merge_the_workers_and_refuse_other_addresses(stack):
    def requests_seen():
        status, _, body = _get(stack, "/metrics")
        assert status == 200
        return _sample(body.decode(), "django_http_responses_total_by_status_total", status="200")

    before = requests_seen()
    for _ in range(10):
        assert _get(stack, "/api/v1/people/")[0] == 200
    after = requests_seen()
    # 10 API calls and the first scrape; whichever worker served each one, all are counted.
    assert after - before == 11

    status, _, body = _get(stack, "/metrics", source="127.0.0.2")
    assert status == 403
    assert b"METRICS_ALLOWED_IPS" in body and b"django_http" not in body


def test_an_etl_run_is_one_trace_with_its_queries(stack, tmp_path):
    feed = tmp_path / "partner.json"
    feed.write_text(json.dumps([
        {"movie_id": 1, "title": "Trace One", "language": "en", "description": "d", "actors": [{"actor_id": 1, "full_name": "A B", "role_name": "R"}]},
        {"movie_id": 2, "title": "Trace Two", "language": "en", "description": "d", "actors": []},
    ]))
    collector = stack["collector"]
    env = {
        **os.environ, "DATABASE_URL": stack["postgres"].url, "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_SERVICE_NAME": "", "LOG_FORMAT": "json",
        "S3_ENDPOINT_URL": stack["s3_endpoint"], "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test",
    }
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "run_etl", "--partner", str(feed), "--no-cms", "--no-progress"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    roots = [s for s in collector.spans if s["name"] == "manage.py run_etl"]
    assert len(roots) == 1 and roots[0]["service"] == "cinema-worker"
    trace = [s for s in collector.spans if s["trace_id"] == roots[0]["trace_id"]]
    queries = [s for s in trace if s["attributes"].get("db.system")]
    assert len(queries) >= 5, [s["name"] for s in trace]
    # Every span of the run hangs under the root, directly or through the run's own spans.
    ids = {s["span_id"] for s in trace}
    assert all(s["parent_span_id"] in ids for s in trace if s is not roots[0])
    assert not [s for s in collector.spans if s["service"] == "cinema-worker" and s["trace_id"] != roots[0]["trace_id"]]
