"""The emails of viewer accounts: which template, which link, through Django's email backend."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

# kind -> (subject, the web app's page the link opens, or None for no link)
EMAILS = {
    "verify_email": ("Confirm your email address", "/account/verify"),
    "password_reset": ("Reset your password", "/account/reset"),
    "already_registered": ("You already have an account", "/account/sign-in"),
}


def send_account_email(*, kind: str, user_id: int) -> bool:
    """Send the `kind` email to the account `user_id`; False when the account is gone (nothing to send)."""
    from accounts.services import link_parameters

    subject, page = EMAILS[kind]
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    link = settings.WEB_APP_URL + page
    if kind in ("verify_email", "password_reset"):
        link += "?" + urlencode(link_parameters(user, kind=kind))
    context = {"user": user, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
    body = render_to_string(f"accounts/email/{kind}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
