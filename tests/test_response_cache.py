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
    assert again["Content-Length"] == str(len(first.content))  # (else the server sends the body chunked)
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
        # The view class behind each path is resolved once per process; the limit is counted every time.
        assert _get(client, "/api/v1/movies/?q=winter")[0].status_code == 429
        # Lists have no search limit: their hits are not throttled.
        assert [_get(client, "/api/v1/movies/")[0].status_code for _ in range(5)] == [200] * 5
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


def _concurrently(paths: list[str], headers=lambda i: {}) -> list:
    """GET each path from its own thread and client at once (with `headers(i)`); the responses, in order."""
    import threading

    from django.db import connections
    from django.test import Client

    answers: list = [None] * len(paths)
    start = threading.Barrier(len(paths))

    def get(i: int, path: str) -> None:
        start.wait()
        answers[i] = Client().get(path, **headers(i))
        connections.close_all()

    threads = [threading.Thread(target=get, args=(i, path)) for i, path in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.fixture
def slow_movie_views(monkeypatch):
    """The movie list and detail take 0.3 s after reading the database, and count their calls."""
    import time

    from catalog.api import MovieViewSet

    calls = []
    for name in ("list", "retrieve"):
        original = getattr(MovieViewSet, name)

        def slow(self, request, *args, _original=original, **kwargs):
            calls.append(request.path)
            response = _original(self, request, *args, **kwargs)
            time.sleep(0.3)
            return response

        monkeypatch.setattr(MovieViewSet, name, slow)
    return calls


def test_concurrent_misses_of_one_answer_compute_it_once(slow_movie_views):
    MovieFactory(title="Popular")
    answers = _concurrently(["/api/v1/movies/?limit=5"] * 6)
    assert [answer.status_code for answer in answers] == [200] * 6
    assert slow_movie_views == ["/api/v1/movies/"]  # one computed it, five read its answer
    assert sorted(answer["X-Cache"] for answer in answers) == ["hit"] * 5 + ["miss"]
    assert len({answer.content for answer in answers}) == 1
    assert answers[0].json()["results"][0]["title"] == "Popular"


def test_waiters_compute_for_themselves_when_nothing_was_stored(slow_movie_views):
    import time

    started = time.monotonic()
    answers = _concurrently(["/api/v1/movies/987654/"] * 4)
    assert [answer.status_code for answer in answers] == [404] * 4
    assert answers[0].json()["detail"]
    # The first request's 404 is not stored; the others stop waiting when its fill ends (not after
    # RESPONSE_CACHE_FILL_WAIT) and answer by themselves.
    assert len(slow_movie_views) == 4 and time.monotonic() - started < 3


def test_a_write_while_waiting_sends_waiters_to_the_new_catalog(slow_movie_views, client):
    import threading
    import time

    from django.db import connections

    movie = MovieFactory(title="Before")

    def rename_while_the_first_computes():
        time.sleep(0.15)  # the first request has read "Before" and is still answering
        movie.title = "After"
        movie.save()
        connections.close_all()

    writer = threading.Thread(target=rename_while_the_first_computes)
    writer.start()
    answers = _concurrently([f"/api/v1/movies/{movie.pk}/"] * 3)
    writer.join()
    assert [answer.status_code for answer in answers] == [200] * 3
    # The first answer was computed before the write; the waiters never serve it (it was stored under
    # the old version) and answer from the new catalog.
    titles = [answer.json()["title"] for answer in answers]
    assert titles.count("After") >= 2 and len(slow_movie_views) >= 2
    assert client.get(f"/api/v1/movies/{movie.pk}/").json()["title"] == "After"


def test_concurrent_viewers_build_a_movies_shared_part_once(monkeypatch):
    """Viewers' requests (each with its own resume) are not cached whole; the part they share is built by
    one of them while the others wait for it."""
    import time

    from catalog.api import MovieViewSet

    movie = MovieFactory(title="Shared by all")
    built = []
    original = MovieViewSet._shared_detail

    def slow(self, **kwargs):
        built.append(kwargs["movie_id"])
        part = original(self, **kwargs)
        time.sleep(0.3)
        return part

    monkeypatch.setattr(MovieViewSet, "_shared_detail", slow)
    answers = _concurrently([f"/api/v1/movies/{movie.pk}/"] * 5, lambda i: {"HTTP_X_VIEWER_ID": f"viewer-{i}"})
    assert [answer.status_code for answer in answers] == [200] * 5
    assert built == [movie.pk]
    assert {answer.json()["title"] for answer in answers} == {"Shared by all"}


def test_a_waiting_request_holds_no_database_connection_while_it_sleeps(monkeypatch):
    from django.core.cache import caches
    from django.db import connection

    from core import cache as response_cache

    version = response_cache.current_version()
    caches["responses"].add("k|fill|" + version, 1, 5)
    connection.ensure_connection()
    held = []

    def sleep(seconds):
        held.append(connection.connection is not None)
        connection.ensure_connection()  # as a poll of the database store does
        if len(held) == 3:  # the computing request stores its answer
            caches["responses"].set("k", {"version": version, "value": "answer"}, 60)

    monkeypatch.setattr(response_cache.time, "sleep", sleep)
    entry = response_cache._await_fill("k", "k|fill|" + version, version)
    assert entry == {"version": version, "value": "answer"}
    assert held == [False, False, False]
