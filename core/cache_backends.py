"""Cache backends of ours: Django's database cache with an incr() that is atomic across processes."""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(db.DatabaseCache):
    """The database cache (a table every server process shares) whose incr() cannot lose a count.

    Django's incr() reads the value and writes it back, so two processes counting at once both write
    the same number, and it resets the entry's expiry. Here the row is locked for the increment
    (`SELECT ... FOR UPDATE`) and the expiry is kept: a rate-limit window closes when it should.
    """

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        table = connection.ops.quote_name(self._table)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(f"SELECT value, expires FROM {table} WHERE cache_key = %s FOR UPDATE", [key])
            row = cursor.fetchone()
            expires = row[1] if row else None
            if row is None or (expires is not None and expires < timezone.now()):
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [encoded, key])
        return value
