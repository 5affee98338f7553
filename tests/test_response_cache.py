"""The response cache of anonymous catalog reads (core.cache), in-process: what is served from it,
what never is, what makes it stale, and that hits keep ETag/304 and the search limit."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.settings import api_settings

from core.api import SearchRateThrottle
from core.cache import bump_catalog_version
from tests.factories import MovieFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("response_cache")]


def _get(client, path, **extra):
    response = client.get(path, **extra)
    return response, response.get("X-Cache")


def test_anonymous_reads_are_cached_and_writes_make_them_stale(client):
    movie = MovieFactory(title="Before")
    first, state = _get(client, "/api/v1/movies/")
    assert state == "miss" and first.json()["results"][0]["title"] == "Before"
    again, state = _get(client, "/api/v1/movies/")
    assert state == "hit" and again.content == first.content and again["ETag"] == first["ETag"]
    assert client.get("/api/v1/movies/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # The query string is in the key, in any order.
    assert _get(client, "/api/v1/movies/?lang=ru&limit=5")[1] == "miss"
    assert _get(client, "/api/v1/movies/?limit=5&lang=ru")[1] == "hit"

    movie.title = "After"
    movie.save()  # signals: stale at once
    fresh, state = _get(client, "/api/v1/movies/")
    assert state == "miss" and fresh.json()["results"][0]["title"] == "After"
    assert _get(client, f"/api/v1/movies/{movie.pk}/")[1] == "miss"
    bump_catalog_version()  # what the ETL calls after its bulk writes
    assert _get(client, f"/api/v1/movies/{movie.pk}/")[1] == "miss"


def test_personal_and_browsable_requests_bypass_the_cache(client):
    MovieFactory()
    _get(client, "/api/v1/movies/")
    assert _get(client, "/api/v1/movies/", HTTP_X_VIEWER_ID="viewer-1")[1] is None
    assert _get(client, "/api/v1/movies/", HTTP_AUTHORIZATION="Token abc")[1] is None
    assert _get(client, "/api/v1/movies/", HTTP_ACCEPT="text/html")[1] is None
    user = get_user_model().objects.create_user("viewer", password="pw-123456789")
    client.force_login(user)
    assert _get(client, "/api/v1/movies/")[1] is None


def test_cached_searches_still_count_against_the_search_limit(client, settings):
    MovieFactory(title="Winter")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "3/min"}}
    api_settings.reload()
    original = SearchRateThrottle.THROTTLE_RATES
    SearchRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        answers = [_get(client, "/api/v1/movies/?q=winter") for _ in range(4)]
        assert [r.status_code for r, _ in answers] == [200, 200, 200, 429]
        assert [state for _, state in answers[:3]] == ["miss", "hit", "hit"]
        assert answers[3][0].json()["detail"] and int(answers[3][0]["Retry-After"]) > 0
    finally:
        SearchRateThrottle.THROTTLE_RATES = original
        api_settings.reload()


def test_an_etl_run_makes_the_cached_catalog_stale(client, tmp_path):
    import json

    from etl.services import etl_run
    from tests.etl.records import movie

    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([movie(1, "Solaris")]))
    etl_run(partner_source=str(feed), cms_source=None)
    assert [m["title"] for m in _get(client, "/api/v1/movies/")[0].json()["results"]] == ["Solaris"]
    assert _get(client, "/api/v1/movies/")[1] == "hit"
    feed.write_text(json.dumps([movie(1, "Solaris (restored)")]))
    etl_run(partner_source=str(feed), cms_source=None)  # merges with SQL: no per-row signals
    fresh, state = _get(client, "/api/v1/movies/")
    assert state == "miss" and [m["title"] for m in fresh.json()["results"]] == ["Solaris (restored)"]


def test_the_database_store_of_answers_writes_no_wal():
    # Unlogged: a store does not wait for a WAL flush; after a crash PostgreSQL empties it (misses only).
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [settings.DATABASE_CACHE_TABLES[1]])
        assert cursor.fetchone() == ("u",)
