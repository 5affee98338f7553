"""Editors racing each other on one override, with real concurrent transactions (one connection per thread)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from overrides.models import DescriptionOverride
from tests.factories import EditorFactory, MovieFactory

pytestmark = pytest.mark.django_db(transaction=True)

OVERRIDES = "/api/v1/overrides/"
THREADS = 10


def race(action, count: int = THREADS) -> list:
    """Run `action(index)` in `count` threads released together; their results in index order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action(index)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung (deadlock?)"
    return results


@pytest.fixture
def editors():
    return [EditorFactory(username=f"racer-{i}") for i in range(THREADS)]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_racing_creates_of_one_override_make_one_and_tell_the_others_where_it_is(editors):
    movie = MovieFactory(language="en")
    clients = [client_for(user) for user in editors]

    def create(index: int):
        response = clients[index].post(OVERRIDES, {"movie": movie.pk, "language": "en", "text": f"text {index}"}, format="json")
        return response.status_code, response.json()

    results = race(create)
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 400: THREADS - 1}, results
    winner = next(body for status, body in results if status == 201)
    override = DescriptionOverride.objects.get()
    assert (override.pk, override.text) == (winner["id"], winner["text"])
    for status, body in results:
        if status == 400:
            assert body["code"] == "override_exists" and body["existing_id"] == override.pk
            assert body["existing"].endswith(f"{OVERRIDES}{override.pk}/") and "language" in body
    movie.refresh_from_db()
    assert (movie.description, movie.source_used) == (winner["text"], "override")
    assert DescriptionOverride.history.filter(history_type="+").count() == 1


def test_racing_updates_from_one_read_make_one_change_and_412_for_the_others(editors):
    movie = MovieFactory(language="en")
    created = client_for(editors[0]).post(OVERRIDES, {"movie": movie.pk, "language": "en", "text": "base"}, format="json")
    etag = created["ETag"]
    clients = [client_for(user) for user in editors]

    def update(index: int):
        response = clients[index].patch(f"{OVERRIDES}{created.json()['id']}/", {"text": f"edit {index}"}, format="json",
                                        HTTP_IF_MATCH=etag)
        return response.status_code, response.json()

    results = race(update)
    assert Counter(status for status, _ in results) == {200: 1, 412: THREADS - 1}, results
    winner = next(body for status, body in results if status == 200)
    assert DescriptionOverride.objects.get().text == winner["text"]
    for status, body in results:
        if status == 412:
            assert body["current"]["text"] == winner["text"]
    # History without gaps: the create and exactly one change.
    assert [h.history_type for h in DescriptionOverride.history.order_by("history_date")] == ["+", "~"]
