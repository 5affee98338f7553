"""The tables of `core`: rate-limit counters (the cache tables are created by `migrate`, core/apps.py)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Requests counted in one rate-limit window of one client (core.cache_backends.DatabaseCache.hit).

    An UNLOGGED table (migration 0001): a count needs no crash safety, and without WAL an increment
    waits for no disk flush. Rows whose window closed are deleted now and then.
    """

    key = models.CharField(max_length=255, primary_key=True)
    hits = models.PositiveIntegerField()
    window_ends = models.DateTimeField()

    class Meta:
        verbose_name = "rate-limit counter"
