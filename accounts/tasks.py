"""Celery tasks of viewer accounts: sending their emails (a short wrapper around the service)."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task


@shared_task(
    name="accounts.send_account_email",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_account_email_task(*, kind: str, user_id: int) -> bool:
    """Send one account email; the link is made here, at send time, so the broker never holds a token."""
    from accounts.emails import send_account_email

    return send_account_email(kind=kind, user_id=user_id)
