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


def _create_cache_tables(sender, using="default", verbosity=1, **kwargs) -> None:
    """`migrate` also creates the database cache tables (idempotent), so no deployment forgets them."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("createcachetable", *settings.DATABASE_CACHE_TABLES, database=using, verbosity=0)
    from core.cache import store_without_wal

    store_without_wal(using=using)
