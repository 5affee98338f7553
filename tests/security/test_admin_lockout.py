"""The admin login locks out repeated failures, per account and per address (django-axes).

After AXES_FAILURE_LIMIT (5) wrong passwords the account is refused from any address, and the address
for any account, with a 429 that says why and for how long, even with the right password; staff see
the lock in the admin; a forged X-Forwarded-For does not escape it.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor_account(db):
    user = UserFactory(username="locked-editor", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(username: str, password: str, address: str, **extra):
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def _logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_wrong_passwords_lock_the_account_with_a_clear_message(editor_account, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        response = _login("locked-editor", "wrong", "192.0.2.1")
        assert response.status_code == 200  # the login form again, with its error
    assert _login("locked-editor", PASSWORD, "192.0.2.1").status_code == 302  # 4 failures: still allowed
    for _ in range(5):
        _login("locked-editor", "wrong", "192.0.2.1")
    # Locked: the right password, from a fresh address, is refused and the answer says why.
    refused = _login("locked-editor", PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "Too many failed login attempts" in text and "15 minutes" in text
    # Another account from another address is unaffected.
    other = UserFactory(username="other-editor", is_staff=True)
    other.set_password(PASSWORD)
    other.save()
    assert _logged_in(_login("other-editor", PASSWORD, "198.51.100.8"))


def test_one_address_trying_many_accounts_is_locked(editor_account):
    for n in range(5):
        _login(f"guess-{n}", "wrong", "203.0.113.9")
    # The address is locked for every account, the real one included; forging the header does not help.
    assert _login("locked-editor", PASSWORD, "203.0.113.9").status_code == 429
    assert _login("locked-editor", PASSWORD, "203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429
    assert _logged_in(_login("locked-editor", PASSWORD, "203.0.113.10"))


def test_the_lock_is_visible_to_staff_in_the_admin_and_can_be_cleared(editor_account, superuser):
    for _ in range(5):
        _login("locked-editor", "wrong", "192.0.2.50")
    assert AccessAttempt.objects.filter(username="locked-editor").exists()
    admin = Client()
    admin.force_login(superuser)
    page = admin.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert b"locked-editor" in page.content and b"192.0.2.50" in page.content
    # Deleting the attempt is how staff unlock an account before the cool-off ends.
    attempt = AccessAttempt.objects.get(username="locked-editor")
    assert admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code == 302
    assert _logged_in(_login("locked-editor", PASSWORD, "192.0.2.50"))
