"""Counts of paginated lists: exact for short lists and on the last page, PostgreSQL's estimate (flagged)
past API_EXACT_COUNT_LIMIT, and `next` always right whatever the count says."""

from __future__ import annotations

import pytest

from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

MOVIES = "/api/v1/movies/"


def test_short_lists_are_counted_exactly(api_client, settings):
    settings.API_EXACT_COUNT_LIMIT = 10
    MovieFactory.create_batch(8)
    body = api_client.get(MOVIES, {"limit": 3}).json()
    assert body["count"] == 8 and body["count_is_estimate"] is False and "offset=3" in body["next"]
    # Past the end: still the exact count, an empty page, no next link.
    body = api_client.get(MOVIES, {"limit": 3, "offset": 50}).json()
    assert body["count"] == 8 and body["results"] == [] and body["next"] is None


def test_long_lists_get_an_estimate_that_is_flagged_and_never_below_what_is_known(api_client, settings):
    settings.API_EXACT_COUNT_LIMIT = 10
    MovieFactory.create_batch(30)
    body = api_client.get(MOVIES, {"limit": 5, "offset": 10}).json()
    assert body["count_is_estimate"] is True and body["count"] >= 16
    assert len(body["results"]) == 5 and "offset=15" in body["next"] and "offset=5" in body["previous"]
    # The last page knows the end: exact again.
    body = api_client.get(MOVIES, {"limit": 5, "offset": 25}).json()
    assert body == {**body, "count": 30, "count_is_estimate": False, "next": None}


def test_searches_past_their_matches_are_counted_without_error(api_client, settings):
    settings.API_EXACT_COUNT_LIMIT = 2
    for n in range(6):
        MovieFactory(title=f"Winter tale {n}")
    MovieFactory(title="Summer")
    body = api_client.get(MOVIES, {"q": "winter", "limit": 2, "offset": 100}).json()
    # A search knows its (bounded) number of matches: the count past them is exact, not estimated.
    assert body["results"] == [] and body["count_is_estimate"] is False and body["count"] >= 6 and body["next"] is None
    body = api_client.get(MOVIES, {"q": "winter", "limit": 2}).json()
    assert len(body["results"]) == 2 and body["next"] is not None
