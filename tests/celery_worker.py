"""A real Celery worker for tests: a `celery worker` subprocess (tests.services.CeleryWorker) on the
`redis_url` broker and the test database, plus the test process's Celery app pointed at the same broker.

Use it from tests that need `transactional_db` (the worker sees only committed rows):

    pytest_plugins = ["tests.celery_worker"]

    def test_x(transactional_db, celery_worker):
        worker = celery_worker(env={"KAFKA_BOOTSTRAP_SERVERS": ...})   # started and ready
        some_task.delay()
        worker.kill()          # SIGKILL, the whole process group
        worker.start()         # a fresh worker on the same queue
"""

from __future__ import annotations

import uuid

import pytest

from tests.services import CeleryWorker, test_database_url

__all__ = ["celery_worker", "test_database_url"]


@pytest.fixture
def celery_worker(redis_url, settings):
    """Factory: celery_worker(env={...}) starts a real worker; the test's Celery app publishes to it.

    Each test gets its own queue, so workers of earlier tests never take its tasks.
    """
    from cinema_project.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_always_eager", "task_default_queue")}
    _reconfigure(app, broker_url=redis_url, task_always_eager=False, task_default_queue=queue)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    workers: list[CeleryWorker] = []

    def start(*, env: dict | None = None, concurrency: int = 1) -> CeleryWorker:
        worker = CeleryWorker(broker_url=redis_url, env=env or {}, queue=queue, concurrency=concurrency)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.close()
    _reconfigure(app, **saved)


def _reconfigure(app, **conf) -> None:
    """Change the app's broker/queue and drop what it cached from the old ones (pools, queues)."""
    from kombu import pools

    app.conf.update(conf)
    pool, app._pool = app._pool, None
    if pool is not None:
        pool.force_close_all()
    pools.reset()  # kombu's process-wide producer pools, keyed by broker URL, hold closed connections
    app.__dict__.pop("amqp", None)  # a cached_property holding the producer pool and default queue
