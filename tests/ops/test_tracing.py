"""Traces, asserted with the SDK's in-memory exporter: request spans, their database spans, incoming
trace context, Celery task spans, and the log lines that carry the trace and request ids."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry.trace import SpanKind

from cinema_project.logging import JsonFormatter
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"


def _server_span(spans):
    server = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert len(server) == 1, [s.name for s in spans.get_finished_spans()]
    return server[0]


def test_request_span_parents_its_database_spans(spans, api_client):
    MovieFactory.create_batch(2)
    spans.clear()

    response = api_client.get("/api/v1/movies/")

    assert response.status_code == 200
    server = _server_span(spans)
    assert server.attributes["http.route"].startswith("api/v1/movies/")
    assert server.attributes["http.status_code"] == 200
    assert server.resource.attributes["service.name"] == "cinema-web"
    db_spans = [s for s in spans.get_finished_spans() if s.attributes.get("db.system") == "postgresql"]
    assert db_spans, "no PostgreSQL span for the movie list"
    for db_span in db_spans:
        assert db_span.kind == SpanKind.CLIENT
        assert db_span.context.trace_id == server.context.trace_id
        assert db_span.parent is not None and db_span.parent.span_id == server.context.span_id
    assert any("SELECT" in s.attributes.get("db.statement", "") for s in db_spans)


def test_incoming_traceparent_continues_the_callers_trace(spans, api_client):
    response = api_client.get("/api/v1/movies/", HTTP_TRACEPARENT=f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01")

    assert response.status_code == 200
    server = _server_span(spans)
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert format(server.parent.span_id, "016x") == PARENT_SPAN_ID


def test_probes_and_scrapes_make_no_spans(spans, client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER] == []


def test_request_log_lines_carry_trace_and_request_ids(spans, api_client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    request_logger = logging.getLogger("cinema.request")
    request_logger.addHandler(handler)
    try:
        response = api_client.get("/api/v1/movies/", HTTP_X_REQUEST_ID="client-chosen-42")
    finally:
        request_logger.removeHandler(handler)

    assert response["X-Request-ID"] == "client-chosen-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    server = _server_span(spans)
    assert line["request_id"] == "client-chosen-42"
    assert line["trace_id"] == format(server.context.trace_id, "032x")
    assert len(line["span_id"]) == 16
    assert line["status"] == 200 and line["method"] == "GET" and line["path"] == "/api/v1/movies/"
    assert line["level"] == "INFO" and line["logger"] == "cinema.request"
    assert server.attributes["http.request_id"] == "client-chosen-42"


def test_request_id_is_generated_when_absent_or_unsafe(api_client):
    generated = api_client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32 and int(generated, 16) >= 0
    assert api_client.get("/healthz")["X-Request-ID"] != generated

    unsafe = api_client.get("/healthz", HTTP_X_REQUEST_ID="bad id\r\nSet-Cookie: x")["X-Request-ID"]
    assert len(unsafe) == 32 and " " not in unsafe


def test_log_lines_outside_requests_have_empty_ids(spans):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.ops.outside")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        log.info("no request here", extra={"movie_id": 7})
    finally:
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "no request here"
    assert line["movie_id"] == 7
    assert line["trace_id"] == "" and line["request_id"] == ""


def test_stream_request_parents_its_s3_calls_and_counts_its_bytes(spans, api_client, settings, s3_endpoint, client):
    from tests.ops.test_metrics import scrape, value
    from tests.streaming.conftest import store_asset, use_s3

    use_s3(settings, s3_endpoint)
    settings.STREAMING_MODE = "proxy"
    movie = MovieFactory()
    store_asset(movie, bytes(range(256)) * 64)  # 16 KiB
    before = scrape(client)
    spans.clear()

    response = api_client.get(f"/api/v1/movies/{movie.pk}/stream", HTTP_RANGE="bytes=100-4195")
    assert response.status_code == 206
    body = b"".join(response.streaming_content)
    response.close()
    assert len(body) == 4096

    finished = spans.get_finished_spans()
    server = _server_span(spans)
    s3_calls = [s for s in finished if s.attributes.get("rpc.service") == "S3"]
    assert any(s.attributes.get("rpc.method") == "GetObject" for s in s3_calls), [s.name for s in finished]
    for call in s3_calls:
        assert call.context.trace_id == server.context.trace_id
        assert call.parent is not None and call.parent.span_id == server.context.span_id
    after = scrape(client)
    assert value(after, "cinema_stream_bytes_total") - value(before, "cinema_stream_bytes_total") == 4096
    assert value(after, "cinema_streams_active") == value(before, "cinema_streams_active")
