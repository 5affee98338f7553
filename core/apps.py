"""The `core` app: shared tables (rate-limit counters, cache tables) and the catalog cache's signals."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import cache

        cache.connect_invalidation_signals()
        post_migrate.connect(_create_cache_tables, sender=self)
        _retry_the_database_every_second()


def _retry_the_database_every_second() -> None:
    """After an outage the connection pool retries PostgreSQL with a doubling delay (1, 2, 4, 8 s...), so
    a worker could answer 503 for several seconds after the database is back. Retry every second
    instead: a pool makes at most one attempt a second while the database is down (psycopg_pool has no
    option for this; the delay is a class attribute of its connection attempts)."""
    try:
        from psycopg_pool.base import ConnectionAttempt
    except ImportError:  # no pool installed: one connection per thread, nothing to tune
        return
    ConnectionAttempt.DELAY_BACKOFF = 1.0


def _create_cache_tables(sender, using="default", verbosity=1, **kwargs) -> None:
    """`migrate` also creates the database cache tables (idempotent), so no deployment forgets them."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("createcachetable", *settings.DATABASE_CACHE_TABLES, database=using, verbosity=0)
    from core.cache import store_without_wal

    store_without_wal(using=using)
