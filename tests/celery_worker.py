"""A real Celery worker for tests: a `celery worker` subprocess on the `redis_url` broker and the
test database, plus the test process's Celery app pointed at the same broker.

Use it from tests that need `transactional_db` (the worker sees only committed rows):

    pytest_plugins = ["tests.celery_worker"]

    def test_x(transactional_db, celery_worker):
        worker = celery_worker(env={"KAFKA_BOOTSTRAP_SERVERS": ...})   # started and ready
        some_task.delay()
        worker.kill()          # SIGKILL, the whole process group
        worker.start()         # a fresh worker on the same queue
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BIN_DIR = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """DATABASE_URL of the database this test process uses (pytest-django's test database)."""
    from django.db import connection

    base = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(base._replace(path="/" + connection.settings_dict["NAME"]))


class CeleryWorker:
    """A `celery -A cinema_project worker` subprocess; start(), stop(), kill() as the test needs."""

    def __init__(self, *, broker_url: str, env: dict, queue: str, concurrency: int = 1):
        self.broker_url = broker_url
        self.queue = queue
        self.concurrency = concurrency
        self.env = env
        self.logdir = Path(tempfile.mkdtemp(prefix="cinema-test-celery-"))
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 30.0) -> "CeleryWorker":
        self.starts += 1
        self.log_path = self.logdir / f"worker-{self.starts}.log"
        name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        argv = [
            str(BIN_DIR / "celery"), "-A", "cinema_project", "worker", "--loglevel", "INFO", "--pool", "prefork",
            "--concurrency", str(self.concurrency), "-Q", self.queue, "-n", name,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.broker_url,
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "DATABASE_CONN_MAX_AGE": "0",
            "LOG_FORMAT": "text",
            **self.env,
        }
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {self.process.returncode}:\n{self.log()}")
            if " ready." in self.log():
                return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the Celery worker was not ready within {timeout:.0f}s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20000:]
        except FileNotFoundError:
            return ""

    def _signal(self, sig) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 20.0) -> None:
        """Warm shutdown (SIGTERM): running tasks finish first."""
        if self.process is None or self.process.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children: no cleanup, no acks."""
        self._signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)


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
        worker = CeleryWorker(broker_url=redis_url, env={k: str(v) for k, v in (env or {}).items()}, queue=queue, concurrency=concurrency)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
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
