"""The database cache every process shares (core.cache_backends): values round-trip, set() replaces,
expiry holds, incr() counts concurrent increments from many connections without losing one, and hit()
(the rate limits' counter) counts each request once in its window and opens a new window when it closes."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from core.cache_backends import DatabaseCache

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cache():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cinema_cache")
        cursor.execute("DELETE FROM core_ratecounter")
    return DatabaseCache("cinema_cache", {"OPTIONS": {"MAX_ENTRIES": 50}})


def _in_threads(work, n: int) -> None:
    """`work(i)` in `n` threads at once, each on its own database connection; a thread's failure is
    raised here (a failed assert in a thread would otherwise only be printed)."""
    errors: list[BaseException] = []

    def run(i):
        from django.db import connections

        try:
            work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_values_round_trip_and_set_replaces(cache):
    cache.set("k", {"a": [1, 2]}, 60)
    assert cache.get("k") == {"a": [1, 2]}
    cache.set("k", b"bytes", None)
    assert cache.get("k") == b"bytes"
    assert cache.get_many(["k", "missing"]) == {"k": b"bytes"}


def test_expired_values_are_gone_and_incr_keeps_the_expiry(cache):
    cache.set("short", 1, 1)
    assert cache.incr("short") == 2
    time.sleep(2.1)
    assert cache.get("short") is None
    with pytest.raises(ValueError):
        cache.incr("short")


def test_concurrent_increments_are_all_counted(cache):
    cache.add("counter", 0, 60)
    _in_threads(lambda i: [cache.incr("counter") for _ in range(25)], 6)
    assert cache.get("counter") == 150


def test_a_window_that_closes_between_add_and_incr_never_fails_the_request():
    """The bench once saw a 500 here: add() found the window still open, incr() a moment later found it
    expired. Whatever the cache says in between, the throttle answers (and counts the request once)."""
    from core.api import SearchRateThrottle

    class ClosingWindow:  # a cache whose window is always just expiring
        def __init__(self):
            self.adds = 0

        def incr(self, key):
            raise ValueError(key)

        def add(self, key, value, timeout):
            self.adds += 1
            return False

    throttle = SearchRateThrottle()
    throttle.cache = ClosingWindow()
    throttle.get_cache_key = lambda request, view: "throttle_search_test"
    assert throttle.allow_request(request=None, view=None) is True
    assert throttle.cache.adds == 3


def test_hit_counts_concurrent_requests_once_each_in_one_window(cache):
    seen = []
    _in_threads(lambda i: seen.extend(cache.hit("client", 60) for _ in range(25)), 6)
    assert sorted(seen) == list(range(1, 151))  # every request got its own number: none lost, none twice
    assert cache.hit("another-client", 60) == 1


def test_hit_opens_a_new_window_when_the_last_one_closed_and_keeps_an_open_one(cache):
    assert [cache.hit("client", 60) for _ in range(3)] == [1, 2, 3]
    with connection.cursor() as cursor:
        cursor.execute("SELECT window_ends - now() FROM core_ratecounter")
        (left,) = cursor.fetchone()
        assert 59 <= left.total_seconds() <= 60  # the first request's window, not moved by the others
        cursor.execute("UPDATE core_ratecounter SET window_ends = now() - interval '1 second'")
    assert cache.hit("client", 60) == 1
    assert cache.hit("client", 60) == 2


def test_the_throttle_counts_with_hit_on_the_database_cache(cache):
    from core.api import SearchRateThrottle

    throttle = SearchRateThrottle()
    throttle.cache, throttle.rate = cache, "2/min"
    throttle.num_requests, throttle.duration = throttle.parse_rate("2/min")
    throttle.get_cache_key = lambda request, view: "throttle_search_test"
    assert [throttle.allow_request(request=None, view=None) for _ in range(3)] == [True, True, False]
    assert cache.get("throttle_search_test") is None  # counted in the counters' table, not as a cache entry


def test_add_stores_only_when_no_live_entry_has_the_key(cache):
    assert cache.add("k", "first", 60) is True
    assert cache.add("k", "second", 60) is False
    assert cache.get("k") == "first"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cinema_cache SET expires = now() - interval '5 seconds'")
    assert cache.add("k", "third", 60) is True  # the expired entry is replaced
    assert cache.get("k") == "third"


def test_concurrent_adds_store_once(cache):
    won = []
    _in_threads(lambda i: won.append(cache.add("claim", i, 60)), 8)
    assert won.count(True) == 1 and len(won) == 8


def test_hit_in_redis_counts_concurrent_requests_once_each_and_opens_windows_with_an_expiry(redis_url):
    """With Redis as the cache a hit is one script (INCR, EXPIRE for the window's first): every hit of
    concurrent threads gets its own number, the window expires after its period, and a throttle on it
    refuses what is over the limit."""
    from core.api import SearchRateThrottle
    from core.cache_backends import RedisCache

    redis = RedisCache(redis_url, {"KEY_PREFIX": f"hit-test-{time.monotonic_ns()}"})
    seen = []
    _in_threads(lambda i: seen.extend(redis.hit("client", 60) for _ in range(25)), 6)
    assert sorted(seen) == list(range(1, 151))  # none lost, none twice
    assert redis.get("client") == 150  # what `cache.get` reads back: the plain count
    key = redis.make_and_validate_key("client")
    client = redis._cache.get_client(write=True)
    assert 59 <= client.ttl(key) <= 60  # set by the window's first hit, not moved by the later ones
    client.expire(key, 1)
    time.sleep(1.1)
    assert redis.hit("client", 60) == 1  # a new window, with its expiry
    assert 59 <= client.ttl(key) <= 60

    throttle = SearchRateThrottle()
    throttle.cache, throttle.rate = redis, "2/min"
    throttle.num_requests, throttle.duration = throttle.parse_rate("2/min")
    throttle.get_cache_key = lambda request, view: "throttle_search_test"
    assert [throttle.allow_request(request=None, view=None) for _ in range(3)] == [True, True, False]


def test_redis_cache_keeps_one_client_per_connection_pool_and_shares_it_between_threads(redis_url):
    """Django builds a `redis.Redis` per call; ours keeps one per pool (each build set up ~170 response
    callbacks). The one client serves concurrent threads, each command on a connection of its own."""
    from core.cache_backends import RedisCache

    redis = RedisCache(redis_url, {"KEY_PREFIX": f"client-test-{time.monotonic_ns()}"})
    client = redis._cache.get_client()
    assert redis._cache.get_client(write=True) is client
    assert redis._cache.get_client("any-key") is client

    def work(i):
        for n in range(50):
            redis.set(f"k{i}-{n}", {"thread": i, "n": n}, 60)
            assert redis.get(f"k{i}-{n}") == {"thread": i, "n": n}
        assert redis.get_many([f"k{i}-{n}" for n in range(50)]) == {f"k{i}-{n}": {"thread": i, "n": n} for n in range(50)}

    _in_threads(work, 8)
    assert redis._cache.get_client() is client
    assert client.connection_pool is redis._cache._get_connection_pool(write=False)
