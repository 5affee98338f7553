"""Sign-up, email verification, sign-in/out, sessions, tokens and password reset through the API,
with their failures: wrong password, unverified email, expired or reused links, throttling, CSRF."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.models import Profile, UserSession
from tests.accounts.conftest import PASSWORD, link_in, viewer_account

pytestmark = pytest.mark.django_db
User = get_user_model()

SIGN_UP = "/api/v1/auth/sign-up"
VERIFY = "/api/v1/auth/verify-email"
SIGN_IN = "/api/v1/auth/sign-in"
SIGN_OUT = "/api/v1/auth/sign-out"
SESSION = "/api/v1/auth/session"
RESET = "/api/v1/auth/password-reset"
RESET_CONFIRM = "/api/v1/auth/password-reset/confirm"
ACCOUNT = "/api/v1/me/account"


def sign_in(client, email, password=PASSWORD, *, remember_me=False, **headers):
    return client.post(SIGN_IN, {"email": email, "password": password, "remember_me": remember_me}, format="json", **headers)


# --- sign-up and verification -------------------------------------------------------------------


def test_sign_up_verify_and_sign_in(api, committing, mailoutbox):
    response = committing(api.post, SIGN_UP, {"email": "New.Viewer@Example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 202, response.content
    user = User.objects.get(email="new.viewer@example.com")
    assert not user.is_staff and not user.is_superuser
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.viewer@example.com"]
    link = link_in(mailoutbox[0])
    assert link["page"] == "verify" and mailoutbox[0].body.count("http://app.test/account/verify?") == 1

    # Before the link is followed, the account does not count.
    refused = sign_in(api, "new.viewer@example.com")
    assert refused.status_code == 403 and refused.json()["code"] == "email_unverified"

    assert api.post(VERIFY, {"uid": link["uid"], "token": link["token"]}, format="json").status_code == 200
    assert Profile.objects.get(user=user).email_verified_at is not None

    response = sign_in(api, "NEW.viewer@example.com ")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == "new.viewer@example.com"
    assert response.json()["user"]["viewer_id"] == f"user:{user.pk}"
    assert api.get(SESSION).json()["user"]["email_verified"] is True
    assert api.get(ACCOUNT).status_code == 200


def test_sign_up_answers_the_same_for_a_known_address_and_emails_its_owner(api, committing, mailoutbox):
    viewer_account("known@example.com")
    new = committing(api.post, SIGN_UP, {"email": "unknown@example.com", "password": PASSWORD}, format="json")
    known = committing(api.post, SIGN_UP, {"email": "Known@example.com", "password": "another long passphrase"}, format="json")
    assert (new.status_code, new.json()) == (known.status_code, known.json())
    assert User.objects.filter(email="known@example.com").count() == 1
    assert User.objects.get(email="known@example.com").check_password(PASSWORD)  # not taken over
    owner_mail = [m for m in mailoutbox if m.to == ["known@example.com"]]
    assert len(owner_mail) == 1 and "already have" in owner_mail[0].subject


def test_sign_up_again_before_confirming_sends_a_new_link(api, committing, mailoutbox):
    viewer_account("pending@example.com", verified=False)
    committing(api.post, SIGN_UP, {"email": "pending@example.com", "password": PASSWORD}, format="json")
    assert link_in(mailoutbox[0])["page"] == "verify"


def test_weak_passwords_are_refused_by_djangos_validators_for_known_and_unknown_addresses(api, committing, mailoutbox):
    viewer_account("known@example.com")
    for email in ("known@example.com", "fresh@example.com"):
        for password in ("short", "password123", "12345678901", "fresh@example.com"):
            response = committing(api.post, SIGN_UP, {"email": email, "password": password}, format="json")
            assert response.status_code == 400 and "password" in response.json(), (email, password)
    assert not User.objects.filter(email="fresh@example.com").exists()
    assert mailoutbox == []


def test_malformed_sign_up_is_a_400(api):
    assert api.post(SIGN_UP, {"email": "not-an-email", "password": PASSWORD}, format="json").status_code == 400
    assert api.post(SIGN_UP, {"email": "a@example.com"}, format="json").status_code == 400


def test_a_verification_link_works_once(api, committing, mailoutbox):
    committing(api.post, SIGN_UP, {"email": "once@example.com", "password": PASSWORD}, format="json")
    link = link_in(mailoutbox[0])
    body = {"uid": link["uid"], "token": link["token"]}
    assert api.post(VERIFY, body, format="json").status_code == 200
    reused = api.post(VERIFY, body, format="json")
    assert reused.status_code == 400 and reused.json()["code"] == "invalid_link"


def test_an_expired_or_forged_verification_link_is_refused(api, committing, mailoutbox, settings):
    committing(api.post, SIGN_UP, {"email": "late@example.com", "password": PASSWORD}, format="json")
    link = link_in(mailoutbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is older than that
    expired = api.post(VERIFY, {"uid": link["uid"], "token": link["token"]}, format="json")
    assert expired.status_code == 400 and expired.json()["code"] == "invalid_link"
    settings.PASSWORD_RESET_TIMEOUT = 3600
    for uid, token in ((link["uid"], "abc-123"), ("!!", link["token"]), ("MTIzNDU2Nzg5", link["token"])):
        assert api.post(VERIFY, {"uid": uid, "token": token}, format="json").status_code == 400
    assert Profile.objects.get(user__email="late@example.com").email_verified_at is None


def test_resend_verification_answers_the_same_for_anyone(api, committing, mailoutbox):
    viewer_account("pending@example.com", verified=False)
    viewer_account("done@example.com")
    answers = {committing(api.post, "/api/v1/auth/verify-email/resend", {"email": e}, format="json").content
               for e in ("pending@example.com", "done@example.com", "nobody@example.com")}
    assert len(answers) == 1
    assert [m.to for m in mailoutbox] == [["pending@example.com"]]


# --- sign-in, sessions, sign-out -----------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_answer(api):
    viewer_account("me@example.com")
    wrong = sign_in(api, "me@example.com", "not my password")
    unknown = sign_in(api, "nobody@example.com", "not my password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json() == {"detail": "Wrong email or password.", "code": "invalid_credentials"}
    assert api.get(ACCOUNT).status_code == 403


def test_deactivated_and_staff_accounts_cannot_sign_in_as_viewers(api, editor):
    viewer_account("off@example.com", is_active=False)
    assert sign_in(api, "off@example.com").status_code == 400
    editor.set_password(PASSWORD)
    editor.save()
    assert sign_in(api, editor.username).status_code == 400


def test_remember_me_decides_whether_the_session_survives_the_browser(api):
    viewer_account("me@example.com")
    short = sign_in(api, "me@example.com")
    assert short.status_code == 200
    assert not short.cookies["sessionid"]["max-age"]  # a browser-session cookie
    assert api.session.get_expire_at_browser_close()

    other = APIClient()
    long = sign_in(other, "me@example.com", remember_me=True)
    assert int(long.cookies["sessionid"]["max-age"]) == 30 * 24 * 3600
    assert not other.session.get_expire_at_browser_close()


def test_active_sessions_are_listed_and_another_one_can_be_ended(api):
    viewer_account("me@example.com")
    phone = APIClient()
    assert sign_in(api, "me@example.com", HTTP_USER_AGENT="Laptop").status_code == 200
    assert sign_in(phone, "me@example.com", remember_me=True).status_code == 200
    sessions = api.get("/api/v1/me/sessions").json()
    assert len(sessions) == 2
    mine = [s for s in sessions if s["current"]]
    assert len(mine) == 1 and mine[0]["remember"] is False
    other = next(s for s in sessions if not s["current"])

    assert api.delete(f"/api/v1/me/sessions/{other['id']}").status_code == 204
    assert phone.get(ACCOUNT).status_code == 403  # that browser is signed out
    assert [s["current"] for s in api.get("/api/v1/me/sessions").json()] == [True]
    assert api.delete(f"/api/v1/me/sessions/{other['id']}").status_code == 404


def test_nobody_ends_someone_elses_session(api):
    viewer_account("me@example.com")
    viewer_account("you@example.com")
    you = APIClient()
    sign_in(you, "you@example.com")
    sign_in(api, "me@example.com")
    yours = UserSession.objects.get(user__email="you@example.com")
    assert api.delete(f"/api/v1/me/sessions/{yours.pk}").status_code == 404
    assert you.get(ACCOUNT).status_code == 200


def test_sign_out_ends_the_session(api):
    viewer_account("me@example.com")
    sign_in(api, "me@example.com")
    assert api.post(SIGN_OUT).status_code == 204
    assert api.get(ACCOUNT).status_code == 403
    assert api.get(SESSION).json() == {"user": None}
    assert not UserSession.objects.exists()


def test_token_auth_for_other_clients(api):
    viewer_account("me@example.com")
    assert api.post("/api/v1/auth/token", {"email": "me@example.com", "password": "nope"}, format="json").status_code == 400
    token = api.post("/api/v1/auth/token", {"email": "me@example.com", "password": PASSWORD}, format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(ACCOUNT).json()["email"] == "me@example.com"
    assert client.post(SIGN_OUT).status_code == 204  # revokes the token
    assert client.get(ACCOUNT).status_code in (401, 403)  # the token is no more


def test_sign_in_checks_csrf_even_without_a_session():
    """Login CSRF: another site must not sign the browser into the attacker's account."""
    viewer_account("me@example.com")
    browser = APIClient(enforce_csrf_checks=True)
    assert sign_in(browser, "me@example.com").status_code == 403
    browser.get(SESSION)  # the web app's first call: sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    assert sign_in(browser, "me@example.com", HTTP_X_CSRFTOKEN=token).status_code == 200
    # Signed in, writes need the (rotated) token too.
    assert browser.put("/api/v1/me/list/1").status_code == 403


def test_viewer_accounts_never_open_the_admin(client):
    viewer_account("me@example.com")
    # django-axes wants the request that logs in (a bare one here: the test client has none to give).
    assert client.login(request=HttpRequest(), username="me@example.com", password=PASSWORD)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.post("/admin/login/", {"username": "me@example.com", "password": PASSWORD}).status_code == 200  # the form again


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_by_email(api, committing, mailoutbox):
    viewer_account("me@example.com")
    old_browser = APIClient()
    sign_in(old_browser, "me@example.com")
    known = committing(api.post, RESET, {"email": "ME@example.com"}, format="json")
    unknown = committing(api.post, RESET, {"email": "nobody@example.com"}, format="json")
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert [m.to for m in mailoutbox] == [["me@example.com"]]
    link = link_in(mailoutbox[0])
    assert link["page"] == "reset"

    weak = api.post(RESET_CONFIRM, {**link, "password": "me@example.com"}, format="json")
    assert weak.status_code == 400 and "password" in weak.json()
    ok = api.post(RESET_CONFIRM, {"uid": link["uid"], "token": link["token"], "password": "a brand new passphrase"}, format="json")
    assert ok.status_code == 200, ok.content
    assert sign_in(APIClient(), "me@example.com").status_code == 400
    assert sign_in(APIClient(), "me@example.com", "a brand new passphrase").status_code == 200
    assert old_browser.get(ACCOUNT).status_code == 403  # every older session ended

    reused = api.post(RESET_CONFIRM, {"uid": link["uid"], "token": link["token"], "password": "yet another passphrase"}, format="json")
    assert reused.status_code == 400 and reused.json()["code"] == "invalid_link"


def test_an_expired_reset_link_is_refused(api, committing, mailoutbox, settings):
    viewer_account("me@example.com")
    committing(api.post, RESET, {"email": "me@example.com"}, format="json")
    link = link_in(mailoutbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1
    response = api.post(RESET_CONFIRM, {"uid": link["uid"], "token": link["token"], "password": "a brand new passphrase"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_link"
    assert User.objects.get(email="me@example.com").check_password(PASSWORD)


# --- throttles ---------------------------------------------------------------------------------


def test_sign_in_is_throttled_per_address(api, rates):
    rates(sign_in="3/min")
    viewer_account("me@example.com")
    statuses = [sign_in(api, "me@example.com", "guess", REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    refused = sign_in(api, "me@example.com", REMOTE_ADDR="10.0.0.1")
    assert refused.status_code == 429 and "detail" in refused.json() and int(refused["Retry-After"]) > 0
    assert sign_in(api, "me@example.com", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_sign_in_is_throttled_per_account_across_addresses(api, rates):
    rates(sign_in_email="2/hour")
    viewer_account("me@example.com")
    statuses = [sign_in(api, "Me@example.com", "guess", REMOTE_ADDR=f"10.0.1.{n}").status_code for n in range(3)]
    assert statuses == [400, 400, 429]
    assert sign_in(api, "someone@example.com", "guess", REMOTE_ADDR="10.0.1.9").status_code == 400


def test_sign_up_and_reset_emails_are_throttled(api, rates):
    rates(sign_up="2/hour", account_email="1/hour")
    statuses = [api.post(SIGN_UP, {"email": f"n{n}@example.com", "password": PASSWORD}, format="json").status_code for n in range(3)]
    assert statuses == [202, 202, 429]
    statuses = [api.post(RESET, {"email": "x@example.com"}, format="json").status_code for _ in range(2)]
    assert statuses == [202, 429]


def test_emails_leave_only_after_the_commit(api, mailoutbox, django_capture_on_commit_callbacks):
    """The email task is enqueued on commit (delay_on_commit): a sign-up whose transaction never commits sends nothing."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert api.post(SIGN_UP, {"email": "late@example.com", "password": PASSWORD}, format="json").status_code == 202
    assert mailoutbox == [] and len(callbacks) == 1
    callbacks[0]()  # the commit: the (eager) Celery task sends it
    assert [m.to for m in mailoutbox] == [["late@example.com"]]
    assert "Confirm your email address" in mailoutbox[0].subject
