"""Shared tables: the counters behind the API's rate limits (core.api.SharedRateThrottle)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Requests counted in the current window for one throttle key, shared by every server process."""

    key = models.CharField(max_length=255, primary_key=True)
    window_start = models.BigIntegerField(help_text="Start of the counted window (Unix seconds).")
    hits = models.IntegerField()

    class Meta:
        db_table = "core_rate_counter"
