"""POST /api/v1/activity/events: batches, per-event results, bad input, sendBeacon, throttling."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from rest_framework.test import APIClient

from activity.api import IngestIpThrottle, IngestViewerThrottle
from activity.models import OutboxEvent, PlaybackSession
from tests.activity.conftest import iso, make_event
from tests.factories import MovieFactory

URL = "/api/v1/activity/events"
pytestmark = pytest.mark.django_db


@pytest.fixture
def movie():
    return MovieFactory()


def post(client, body, content_type="application/json", **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **headers)


def test_valid_batch_is_stored_in_the_outbox_as_the_kafka_message(api_client, movie):
    events = [make_event(movie.pk, type="play", duration=600.0), make_event(movie.pk, position=10.0, duration=600.0)]
    response = post(api_client, {"events": events})
    assert response.status_code == 202, response.content
    assert response.json()["accepted"] == 2
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "accepted"]
    rows = list(OutboxEvent.objects.order_by("id"))
    assert [str(r.event_id) for r in rows] == [e["event_id"] for e in events]
    message = json.loads(rows[0].message)
    assert message["schema_version"] == 1 and message["received_at"].endswith("Z")
    assert message["viewer_key"] == "anon:browser-1"
    assert {k: message[k] for k in events[0]} == events[0]
    assert all(r.sent_at is None for r in rows)


def test_same_batch_twice_is_stored_once_and_reported_duplicate(api_client, movie):
    body = {"events": [make_event(movie.pk, type="play"), make_event(movie.pk, position=3.0)]}
    assert post(api_client, body).json()["accepted"] == 2
    again = post(api_client, body)
    assert again.status_code == 202
    assert again.json()["duplicates"] == 2 and again.json()["accepted"] == 0
    assert OutboxEvent.objects.count() == 2


def test_repeated_event_id_within_a_batch_counts_once(api_client, movie):
    e = make_event(movie.pk)
    response = post(api_client, {"events": [e, dict(e)]})
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "duplicate"]
    assert OutboxEvent.objects.count() == 1


def test_mixed_batch_keeps_the_valid_events_and_explains_each_rejection(api_client, movie):
    now = datetime.now(timezone.utc)
    bad = [
        make_event(movie.pk, type="rewind"),
        {k: v for k, v in make_event(movie.pk).items() if k != "session_id"},
        make_event(movie.pk, position=-5),
        make_event(movie.pk, position=10**8),
        make_event(movie.pk, occurred_at=now + timedelta(days=1)),
        make_event(movie.pk + 1000),
        {**make_event(movie.pk), "movie_id": "seven"},
        "not an event",
    ]
    good = [make_event(movie.pk, type="play"), make_event(movie.pk, position=2.0)]
    response = post(api_client, {"events": [good[0], *bad, good[1]]})
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, len(bad))
    results = body["results"]
    assert [r["index"] for r in results] == list(range(len(bad) + 2))
    rejected = [r for r in results if r["status"] == "rejected"]
    assert all(r["reason"] for r in rejected)
    codes = [r["code"] for r in rejected]
    assert codes == ["invalid", "invalid", "invalid", "invalid", "future_timestamp", "unknown_movie", "invalid", "invalid"]
    assert "type" in rejected[0]["reason"] and "session_id" in rejected[1]["reason"]
    assert {str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)} == {g["event_id"] for g in good}


def test_all_rejected_batch_is_still_202_and_stores_nothing(api_client, movie):
    response = post(api_client, {"events": [make_event(movie.pk, type="nope")]})
    assert response.status_code == 202 and response.json()["rejected"] == 1
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("{not json", "JSON"),
        ("[]", "JSON object"),
        ('"events"', "JSON object"),
        ("{}", "events"),
        ('{"events": {}}', "events"),
        ('{"events": []}', "At least one"),
    ],
)
def test_bad_whole_request_is_400_with_a_message(api_client, movie, body, fragment):
    response = post(api_client, body)
    assert response.status_code == 400
    assert fragment in json.dumps(response.json())
    assert not OutboxEvent.objects.exists()


def test_batch_over_500_events_is_refused_whole(api_client, movie):
    response = post(api_client, {"events": [make_event(movie.pk) for _ in range(501)]})
    assert response.status_code == 400
    assert "At most 500" in json.dumps(response.json())
    assert not OutboxEvent.objects.exists()


def test_500_events_are_accepted(api_client, movie):
    response = post(api_client, {"events": [make_event(movie.pk, position=float(i)) for i in range(500)]})
    assert response.status_code == 202 and response.json()["accepted"] == 500


def test_body_over_the_upload_limit_is_refused(api_client, movie, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    events = [make_event(movie.pk, quality="x" * 30) for _ in range(100)]
    response = post(api_client, {"events": events})
    assert response.status_code == 413, response.content
    assert response.json()["detail"]
    assert not OutboxEvent.objects.exists()


def test_wrong_content_type_is_refused_with_a_message(api_client, movie):
    response = api_client.post(URL, data="events=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]


def test_send_beacon_text_plain_body_is_accepted(movie):
    client = APIClient()
    event = make_event(movie.pk, type="stop", position=42.0)
    response = client.post(URL, data=json.dumps({"events": [event]}), content_type="text/plain;charset=UTF-8")
    assert response.status_code == 202 and response.json()["accepted"] == 1
    session = PlaybackSession.objects.get(session_id=event["session_id"])
    assert session.closed_at is not None and session.last_position == 42.0


def test_logged_in_beacon_needs_no_csrf_token_and_is_stored_under_the_user(movie, viewer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(viewer)
    response = post(client, {"events": [make_event(movie.pk, position=100.0, duration=1000.0)]}, content_type="text/plain")
    assert response.status_code == 202
    assert json.loads(OutboxEvent.objects.get().message)["viewer_key"] == f"user:{viewer.pk}"


def test_viewer_throttle(api_client, movie, monkeypatch):
    monkeypatch.setitem(IngestViewerThrottle.THROTTLE_RATES, "ingest_viewer", "3/min")
    body = lambda: {"events": [make_event(movie.pk, viewer_id="busy")]}  # noqa: E731
    statuses = [post(api_client, body()).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert "throttled" in post(api_client, body()).json()["detail"].lower()
    # Another viewer from the same address is not affected by this viewer's limit.
    assert post(api_client, {"events": [make_event(movie.pk, viewer_id="calm")]}).status_code == 202
    # The X-Viewer-Id header names the viewer too.
    assert post(api_client, {"events": [make_event(movie.pk, viewer_id="calm")]}, HTTP_X_VIEWER_ID="busy").status_code == 429


def test_ip_throttle(api_client, movie, monkeypatch):
    monkeypatch.setitem(IngestIpThrottle.THROTTLE_RATES, "ingest_ip", "2/min")
    statuses = [post(api_client, {"events": [make_event(movie.pk, viewer_id=f"v{i}")]}).status_code for i in range(3)]
    assert statuses == [202, 202, 429]
    other = APIClient(REMOTE_ADDR="10.1.2.3")
    assert post(other, {"events": [make_event(movie.pk)]}).status_code == 202


def test_throttle_rates_come_from_settings():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert IngestViewerThrottle().rate == rates["ingest_viewer"]
    assert IngestIpThrottle().rate == rates["ingest_ip"]


def test_database_down_is_503_not_500(api_client, movie, monkeypatch):
    from django.db import OperationalError

    import activity.services.outbox as outbox

    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(outbox, "insert_outbox_rows", broken)
    response = post(api_client, {"events": [make_event(movie.pk)]})
    assert response.status_code == 503


def test_openapi_documents_the_event_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/activity/events"]["post"]
    for media in ("application/json", "text/plain"):
        items = operation["requestBody"]["content"][media]["schema"]["properties"]["events"]["items"]
        assert items["properties"]["type"]["enum"] == ["play", "progress", "pause", "stop", "heartbeat", "error"]
        assert "event_id" in items["required"]
    assert "202" in operation["responses"]
    detail = schema["components"]["schemas"]["MovieDetail"]["properties"]
    assert "resume" in detail


def test_event_ids_are_compared_as_uuids(api_client, movie):
    e = make_event(movie.pk)
    assert post(api_client, {"events": [e]}).json()["accepted"] == 1
    e2 = {**e, "event_id": e["event_id"].upper()}
    assert post(api_client, {"events": [e2]}).json()["duplicates"] == 1
    assert uuid.UUID(e["event_id"]) == OutboxEvent.objects.get().event_id


def test_anonymous_viewer_id_cannot_pose_as_a_user(api_client, movie, viewer):
    post(api_client, {"events": [make_event(movie.pk, viewer_id=f"user:{viewer.pk}", position=100.0, duration=1000.0)]})
    assert json.loads(OutboxEvent.objects.get().message)["viewer_key"] == f"anon:user:{viewer.pk}"
    _ = iso
