"""The Celery application: configuration from Django settings (CELERY_*), tasks from every app.

Also the worker's observability: tracing (service `cinema-worker`), task outcome metrics, and a
/metrics HTTP server on METRICS_PORT for Prometheus (the worker has no web server of its own).
"""

import os
import time

from celery import Celery, signals
from prometheus_client import Counter, Histogram

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cinema_project.settings")

app = Celery("cinema")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

TASKS = Counter(
    "cinema_celery_tasks_total",
    "Celery tasks finished, by task name and outcome (success, failure, retry, rejected, revoked).",
    ["task", "outcome"],
)
TASK_DURATION = Histogram(
    "cinema_celery_task_duration_seconds",
    "Run time of Celery tasks, by task name.",
    ["task"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)

_started: dict[str, float] = {}


@signals.import_modules.connect
def _before_task_modules(**_):
    # Worker and beat import the task modules (and through them Kafka and boto3) before worker_init:
    # tracing must be on first so the libraries' classes are the instrumented ones.
    from cinema_project.observability import SERVICE_WORKER, init_tracing

    init_tracing(SERVICE_WORKER)


@signals.worker_init.connect
def _worker_init(**_):
    from cinema_project.observability import SERVICE_WORKER, init_tracing, metrics_port_from_env, start_metrics_server

    init_tracing(SERVICE_WORKER)
    port = metrics_port_from_env()
    if port is not None:
        start_metrics_server(port)


@signals.worker_process_init.connect
def _worker_process_init(**_):
    # Prefork children: the tracer was set up in the parent; the SDK restarts its export thread
    # after the fork. This call only matters when the parent skipped worker_init (custom pools).
    from cinema_project.observability import SERVICE_WORKER, init_tracing

    init_tracing(SERVICE_WORKER)
    # The relay's producer connects now, not on the first rows (after the fork: librdkafka's threads
    # do not survive one).
    from activity.kafka.client import warm_producer

    warm_producer()


@signals.worker_process_shutdown.connect
def _worker_process_shutdown(pid=None, **_):
    from cinema_project.observability import flush_traces, multiprocess_metrics

    flush_traces()
    if multiprocess_metrics():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


@signals.beat_init.connect
def _beat_init(**_):
    from cinema_project.observability import SERVICE_WORKER, init_tracing

    init_tracing(SERVICE_WORKER)


@signals.task_prerun.connect
def _task_prerun(task_id=None, **_):
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_postrun(task_id=None, task=None, **_):
    started = _started.pop(task_id, None)
    if started is not None:
        TASK_DURATION.labels(task=getattr(task, "name", "unknown")).observe(time.perf_counter() - started)


# Outcomes come from their own signals: task_postrun is skipped when an eager task's error propagates.
@signals.task_success.connect
def _task_success(sender=None, **_):
    TASKS.labels(task=getattr(sender, "name", "unknown"), outcome="success").inc()


@signals.task_failure.connect
def _task_failure(sender=None, **_):
    TASKS.labels(task=getattr(sender, "name", "unknown"), outcome="failure").inc()


@signals.task_retry.connect
def _task_retry(sender=None, **_):
    TASKS.labels(task=getattr(sender, "name", "unknown"), outcome="retry").inc()


@signals.task_rejected.connect
def _task_rejected(message=None, **_):
    name = (getattr(message, "headers", None) or {}).get("task", "unknown")
    TASKS.labels(task=name, outcome="rejected").inc()


@signals.task_revoked.connect
def _task_revoked(request=None, **_):
    TASKS.labels(task=getattr(request, "task", None) or "unknown", outcome="revoked").inc()
