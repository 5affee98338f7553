"""Cache backends of ours: Django's database cache with an atomic incr(), a one-statement set() and a
rate-limit counter in one statement (hit()); Django's Redis cache with hit() in one round trip."""

from __future__ import annotations

import base64
import pickle
import random
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends import db, redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(db.DatabaseCache):
    """The database cache (a table every server process shares) whose incr() cannot lose a count.

    Django's incr() reads the value and writes it back, so two processes counting at once both write
    the same number, and it resets the entry's expiry. Here the row is locked for the increment
    (`SELECT ... FOR UPDATE`) and the expiry is kept: a rate-limit window closes when it should.

    Django's set() counts the whole table (`SELECT COUNT(*)`) and then reads, updates or inserts the
    row: four statements, the first growing with the table. Here it is one upsert, and the table is
    counted and culled on one set in a hundred.

    Rate limits count with hit(), one statement on a table of counters, not with add() + incr():
    every search from one client address counts on one row, so concurrent searches queue on its
    lock, and incr() holds it for four round trips and a WAL flush (searches answered from the
    response cache ran at a third of the speed of lists).
    """

    def hit(self, key: str, window: int) -> int:
        """Count a request against `key`: its number in the window of `window` seconds that the first one
        opened (1 when none is open). One statement; the row is locked only while it runs."""
        from core.models import RateCounter  # a cache backend can be loaded before the apps are

        key = self.make_and_validate_key(key)
        alias = router.db_for_write(RateCounter)
        table = connections[alias].ops.quote_name(RateCounter._meta.db_table)
        with connections[alias].cursor() as cursor:
            if random.random() < 0.01:  # rows of closed windows: a later hit would restart them anyway
                cursor.execute(f"DELETE FROM {table} WHERE window_ends < now()")
            cursor.execute(
                f"INSERT INTO {table} AS c (key, hits, window_ends) VALUES (%s, 1, now() + make_interval(secs => %s))"
                " ON CONFLICT (key) DO UPDATE SET"
                " hits = CASE WHEN c.window_ends <= now() THEN 1 ELSE c.hits + 1 END,"
                " window_ends = CASE WHEN c.window_ends <= now() THEN EXCLUDED.window_ends ELSE c.window_ends END"
                " RETURNING hits",
                [key, window],
            )
            return cursor.fetchone()[0]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._upsert(key, value, timeout, version, only_expired=False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Store `value` unless a live entry has the key; whether it was stored. One statement (Django's
        add() counts the whole table first, as its set() does)."""
        return self._upsert(key, value, timeout, version, only_expired=True)

    def _upsert(self, key, value, timeout, version, *, only_expired: bool) -> bool:
        """Insert or replace the entry (with `only_expired`, only an expired one); whether it was written."""
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table = connection.ops.quote_name(self._table)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        adapt = connection.ops.adapt_datetimefield_value
        params = [key, encoded, adapt(expires.replace(microsecond=0))]
        with connection.cursor() as cursor:
            if random.random() < 0.01:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    self._cull(alias, cursor, timezone.now(), count)
            condition = ""
            if only_expired:  # whole seconds, as get() compares
                condition, params = " WHERE t.expires < %s", [*params, adapt(timezone.now().replace(microsecond=0))]
            cursor.execute(
                f"INSERT INTO {table} AS t (cache_key, value, expires) VALUES (%s, %s, %s)"
                f" ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires{condition}"
                " RETURNING 1",
                params,
            )
            return cursor.fetchone() is not None

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s FOR UPDATE", [key])
            row = cursor.fetchone()
            expires = row[1] if row else None
            # Whole seconds, as add() and get() compare: a row they still see is one this still finds.
            if row is None or (expires is not None and expires < timezone.now().replace(microsecond=0)):
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return value


# A window's hit, atomically in Redis: count the request and, when it opens the window, set its expiry.
_WINDOW_HIT = "local hits = redis.call('INCR', KEYS[1]) if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return hits"


class RedisCacheClient(redis.RedisCacheClient):
    """Django's Redis client, keeping one `redis.Redis` per connection pool.

    Django builds a new `redis.Redis` for every call, and each one sets up its table of ~170 response
    callbacks: a fifth of the CPU of a catalog answer served from the response cache (cProfile). A
    `redis.Redis` holds nothing but its pool and takes a connection from it per command, so one object
    per pool is safe to share between threads.
    """

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:  # two threads may both build one: either is fine, one is kept
            client = self._clients.setdefault(index, self._client(connection_pool=self._get_connection_pool(write)))
        return client


class RedisCache(redis.RedisCache):
    """Django's Redis cache, with hit() for rate limits: one script, one round trip, and a client object
    per connection pool instead of one per call (RedisCacheClient).

    Counting with add() + incr() took two round trips per request (incr() is EXISTS then INCR) and
    three when the request opened the window, each on a client object built for that one call; at
    thousands of ingest requests a second that was a tenth of the server's CPU.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def hit(self, key: str, window: int) -> int:
        """Count a request against `key`: its number in the window of `window` seconds that the first one
        opened (1 when none is open). The count is a plain integer, as `get` reads it."""
        client = self._cache  # a RedisCacheClient, one per cache object (so per thread)
        script = getattr(client, "_window_hit", None)
        if script is None:  # registered once, on a client kept with it
            script = client._window_hit = client.get_client(write=True).register_script(_WINDOW_HIT)
        return int(script(keys=[self.make_and_validate_key(key)], args=[window]))
