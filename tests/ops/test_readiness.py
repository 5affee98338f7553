"""/readyz checks Kafka and Redis when they are configured: 503 while the broker or Redis is stopped,
200 again when it is back. (PostgreSQL and object storage: test_server_process.py.)"""

from __future__ import annotations

import pytest

from tests.services import start_kafka_broker, start_redis_server

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _forget_probe_clients():
    """The probes keep one client per address; these tests' servers go away after each test."""
    from core import views

    yield
    views._kafka_admin.cache_clear()
    views._redis.cache_clear()


def _readyz(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_only_configured_services_are_checked(client, settings, tmp_path):
    settings.KAFKA_BOOTSTRAP_SERVERS = ""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    settings.USE_S3 = False
    settings.LOCAL_OBJECT_STORE_DIR = tmp_path / "objects"
    status, body = _readyz(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": {"status": "ok"}, "object_storage": {"status": "ok"}}}


def test_readyz_fails_while_kafka_is_stopped(client, settings, tmp_path):
    broker = start_kafka_broker()
    try:
        settings.USE_S3 = False
        settings.LOCAL_OBJECT_STORE_DIR = tmp_path
        settings.KAFKA_BOOTSTRAP_SERVERS = f"127.0.0.1:{broker.port}"
        status, body = _readyz(client)
        assert status == 200 and body["checks"]["kafka"] == {"status": "ok"}, body
        broker.stop()
        status, body = _readyz(client)
        assert status == 503
        assert body["checks"]["kafka"]["status"] == "fail" and body["checks"]["database"] == {"status": "ok"}
        broker.start()
        status, body = _readyz(client)
        assert status == 200, body
    finally:
        broker.close()


def test_readyz_fails_while_redis_is_stopped(client, settings, tmp_path):
    redis = start_redis_server()
    try:
        settings.USE_S3 = False
        settings.LOCAL_OBJECT_STORE_DIR = tmp_path
        settings.KAFKA_BOOTSTRAP_SERVERS = ""
        settings.REDIS_URL = f"redis://127.0.0.1:{redis.port}/0"
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{redis.port}/1"
        status, body = _readyz(client)
        assert status == 200 and body["checks"]["redis"] == {"status": "ok"}, body
        redis.stop()
        status, body = _readyz(client)
        assert status == 503 and body["checks"]["redis"]["status"] == "fail"
        redis.start()
        status, body = _readyz(client)
        assert status == 200, body
    finally:
        redis.close()


def test_readyz_fails_when_the_local_object_store_is_unusable(client, settings, tmp_path):
    settings.USE_S3 = False
    settings.KAFKA_BOOTSTRAP_SERVERS = ""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.LOCAL_OBJECT_STORE_DIR = blocker / "objects"
    status, body = _readyz(client)
    assert status == 503 and body["checks"]["object_storage"]["status"] == "fail"
