"""Fixtures of the accounts tests: viewer accounts, a client that runs on-commit work (the email task),
the links out of the captured emails, and clean throttle counters."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from django.core.cache import cache
from django.utils import timezone as dj_timezone
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts.models import Profile
from activity.models import ResumePosition
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
LINK_RE = re.compile(r"https?://\S+/account/(?P<page>verify|reset)\?uid=(?P<uid>[^&\s]+)&token=(?P<token>\S+)")


def viewer_account(email: str, *, password: str = PASSWORD, verified: bool = True, **fields):
    """A viewer's account as sign-up and verification leave it."""
    user = UserFactory(username=email, email=email, password=password, **fields)
    Profile.objects.create(user=user, email_verified_at=dj_timezone.now() if verified else None)
    return user


def link_in(message) -> dict:
    match = LINK_RE.search(message.body)
    assert match, message.body
    return match.groupdict()


def position(viewer_key: str, movie, *, seconds: float, at: datetime, duration: float = 600.0) -> ResumePosition:
    return ResumePosition.objects.create(
        viewer_key=viewer_key, movie=movie, position=seconds, duration=duration, watched=False, occurred_at=at, updated_at=at
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _accounts_test_state(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # cost is not what these tests check
    settings.WEB_APP_URL = "http://app.test"
    cache.clear()  # throttle counters
    yield
    cache.clear()


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """Runs a request and then its on-commit work (the email task), as after a real commit."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def rates(settings):
    """Sets throttle rates for one test (DRF reads them once per class)."""
    from rest_framework.throttling import SimpleRateThrottle

    saved = SimpleRateThrottle.THROTTLE_RATES

    def apply(**scopes):
        merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = merged

    yield apply
    SimpleRateThrottle.THROTTLE_RATES = saved
    api_settings.reload()
    cache.clear()
