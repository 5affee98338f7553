"""How the project's Celery tasks survive failures: one decorator, so every task gets the same policy.

A task is acknowledged only after it ran, and is handed back to the broker if its worker dies
mid-run (`acks_late` + `reject_on_worker_lost`): every task here is safe to run twice. The errors
a task may wait out (storage or a database briefly down, an SMTP server refusing) are retried with
exponential backoff and jitter up to `max_retries` (None: until it works).
"""

from __future__ import annotations

from celery import shared_task


def durable_task(name: str, *, retry_on: tuple[type[BaseException], ...] = (), backoff: int = 10, max_backoff: int = 600,
                 max_retries: int | None = 3, **options):
    """`shared_task` with the project's delivery and retry policy; `options` go to Celery as they are."""
    retry = {"autoretry_for": retry_on, "retry_backoff": backoff, "retry_backoff_max": max_backoff,
             "retry_jitter": True, "max_retries": max_retries} if retry_on else {}
    return shared_task(name=name, acks_late=True, reject_on_worker_lost=True, **retry, **options)
