"""Celery tasks of viewer accounts: sending their emails (a short wrapper around the service)."""

from __future__ import annotations

from smtplib import SMTPException

from core.tasks import durable_task


@durable_task(
    "accounts.send_account_email",
    retry_on=(SMTPException, ConnectionError, TimeoutError),
    backoff=5,
    max_retries=8,
    ignore_result=True,
)
def send_account_email_task(*, kind: str, user_id: int) -> bool:
    """Send one account email; the link is made here, at send time, so the broker never holds a token."""
    from accounts.emails import send_account_email

    return send_account_email(kind=kind, user_id=user_id)
