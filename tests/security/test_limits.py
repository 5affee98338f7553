"""Limits on what one request can ask for: body size on every JSON endpoint, page sizes, search throttles."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings

from core.api import SearchRateThrottle
from overrides.models import DescriptionOverride
from tests.security.endpoints import api_operations, path_values

pytestmark = pytest.mark.django_db

OVERRIDES = "/api/v1/overrides/"


def _body_of_size(size: int) -> bytes:
    """A syntactically valid JSON object of exactly `size` bytes."""
    prefix, suffix = b'{"text": "', b'"}'
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


def _ids(catalog) -> dict[str, object]:
    return {"movies": catalog["published"].pk, "people": catalog["person"].pk, "overrides": catalog["override"].pk}


def test_oversized_override_is_refused_with_413_json_and_nothing_is_written(client_for, editor, catalog, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = client_for(editor)
    movie = catalog["published"]
    before = DescriptionOverride.objects.count()
    payload = {"movie": movie.pk, "language": "ru", "text": "x" * 10_000}
    response = client.post(OVERRIDES, json.dumps(payload), content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "The request body is larger than the 10000 bytes allowed.", "code": "request_too_large"}
    assert DescriptionOverride.objects.count() == before

    override = catalog["override"]
    response = client.patch(f"{OVERRIDES}{override.pk}/", json.dumps({"text": "y" * 10_000}), content_type="application/json")
    assert response.status_code == 413
    override.refresh_from_db()
    assert override.text == "public override"

    # Just under the limit is accepted: the limit is the body size, not some lower field cap.
    payload["text"] = "z" * 9_000
    assert client.post(OVERRIDES, json.dumps(payload), content_type="application/json").status_code == 201


def test_every_json_write_endpoint_enforces_the_body_limit(client_for, superuser, catalog, settings):
    """The installed DRF must check DATA_UPLOAD_MAX_MEMORY_SIZE on JSON bodies (it did not before 3.17.2)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4_096
    client = client_for(superuser)  # past every permission check, so the body is what gets refused
    operations = [op for op in api_operations() if op.takes_json]
    assert operations, "the schema lists no JSON write endpoint"
    for operation in operations:
        url = operation.url(path_values(operation, _ids(catalog)))
        # Every JSON-carrying media type the operation takes (the player's sendBeacon posts text/plain).
        for media_type in {"application/json", "text/plain"} & set(operation.operation["requestBody"]["content"]):
            response = client.generic(operation.method.upper(), url, _body_of_size(4_097), content_type=media_type)
            assert response.status_code == 413, (str(operation), media_type, response.status_code, response.content[:300])
            assert response.json()["code"] == "request_too_large"


def test_every_paginated_list_caps_the_page_size_and_refuses_bad_values(client_for, superuser, catalog, settings):
    settings.API_MAX_PAGE_SIZE = 1
    client = client_for(superuser)  # staff see unpublished rows too: two movies, two overrides, two people
    operations = [op for op in api_operations() if op.paginated]
    assert len(operations) >= 4
    for operation in operations:
        url = operation.url(path_values(operation, _ids(catalog)))
        body = client.get(url, {"limit": 10**9}).json()
        assert len(body["results"]) <= 1, str(operation)
        for params in ({"limit": "many"}, {"limit": "0"}, {"offset": "-5"}, {"limit": "1e9"}):
            response = client.get(url, params)
            assert response.status_code == 400, (str(operation), params, response.status_code)
            assert set(response.json()) & {"limit", "offset"}, response.json()
    for collection in ("movies", "people", "overrides"):
        body = client.get(f"/api/v1/{collection}/", {"limit": 10**9}).json()
        assert body["count"] == 2 and len(body["results"]) == 1, collection


@pytest.fixture
def search_rate(settings):
    """Searches limited to 3 a minute for the test; the cache holding the counters is emptied around it."""
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "3/min"},
    }
    api_settings.reload()
    original = SearchRateThrottle.THROTTLE_RATES
    SearchRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    yield
    SearchRateThrottle.THROTTLE_RATES = original
    cache.clear()


def test_people_search_is_throttled_per_client_address(client_for, catalog, search_rate):
    client = client_for(None)
    statuses = [client.get("/api/v1/people/", {"q": "actor"}, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/people/", {"q": "actor"}, REMOTE_ADDR="10.0.0.1")
    assert "detail" in refused.json() and int(refused["Retry-After"]) > 0
    # Another address has its own allowance, and plain browsing is never throttled.
    assert client.get("/api/v1/people/", {"q": "actor"}, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert client.get("/api/v1/people/", REMOTE_ADDR="10.0.0.1").status_code == 200


def test_searches_on_movies_and_people_share_one_allowance(client_for, viewer, catalog, search_rate):
    """One scope for both: a scraper cannot double its rate by alternating between the two lists."""
    client = client_for(viewer)
    statuses = [client.get(url, {"q": "pic"}).status_code for url in ("/api/v1/movies/", "/api/v1/people/") * 2]
    assert statuses == [200, 200, 200, 429]


def test_a_forged_x_forwarded_for_does_not_reset_the_search_allowance(client_for, catalog, search_rate):
    """The client writes X-Forwarded-For; only proxies we run (API_NUM_PROXIES) may be believed."""
    client = client_for(None)
    statuses = [
        client.get("/api/v1/people/", {"q": "actor"}, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_ingest_per_address_limit_holds_against_rotating_viewer_ids_and_forged_headers(client_for, catalog, settings):
    """A flooder changing its viewer id and X-Forwarded-For on every batch still meets the address limit."""
    import uuid
    from datetime import datetime, timezone

    from activity.api import IngestIpThrottle, IngestViewerThrottle

    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "ingest_ip": "3/min", "ingest_viewer": "1000/min"}
    saved = (IngestIpThrottle.THROTTLE_RATES, IngestViewerThrottle.THROTTLE_RATES)
    IngestIpThrottle.THROTTLE_RATES = IngestViewerThrottle.THROTTLE_RATES = rates
    try:
        client = client_for(None)
        statuses = []
        for n in range(4):
            event = {
                "event_id": str(uuid.uuid4()), "type": "play", "movie_id": catalog["published"].pk,
                "session_id": str(uuid.uuid4()), "viewer_id": f"flooder-{n}", "position": 0,
                "occurred_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            }
            response = client.post("/api/v1/activity/events", json.dumps({"events": [event]}), content_type="application/json",
                                   REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", HTTP_X_VIEWER_ID=f"flooder-{n}")
            statuses.append(response.status_code)
        assert statuses == [202, 202, 202, 429]
    finally:
        IngestIpThrottle.THROTTLE_RATES, IngestViewerThrottle.THROTTLE_RATES = saved
        cache.clear()
