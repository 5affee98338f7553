"""The permission matrix for viewer accounts: /api/v1/auth/... is open to anyone (and tells nobody who
has an account), /api/v1/me/... is each signed-in account's own, viewer accounts never reach the admin,
and the admin shows viewers' history only to editors with `accounts.view_viewer_history`.

`account_api_cases()` also feeds the project-wide matrix (test_permission_matrix.py), so its
"every operation is covered" checks include these endpoints.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import UserSession
from tests.accounts.conftest import PASSWORD, viewer_account
from tests.security.test_permission_matrix import DENIED, ROLES, Case, _call, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

ANONYMOUS_DENIED = {"anonymous": {403}}
SIGNED_IN = {role: {200} for role in ROLES if role != "anonymous"}
ANYONE = {role: {200} for role in ROLES}


_calls = itertools.count(1)


def _fresh_client() -> dict:
    """A client address of its own for each throttled case: the matrix checks permissions, and its many
    calls from one address would otherwise meet the sign-in and email limits (tested in tests/accounts)."""
    n = next(_calls)
    return {"REMOTE_ADDR": f"198.18.{n // 250 % 250}.{n % 250 + 1}"}


def account_api_cases(world) -> list[Case]:
    p, h = world["published"].pk, world["hidden"].pk
    n = next(_calls)
    nobody = {"email": f"nobody-{n}@example.com", "password": "wrong password"}
    link = {"uid": "MQ", "token": "forged-token"}
    return [
        Case("GET", "/api/v1/auth/session", ANYONE, route="/api/v1/auth/session"),
        Case("POST", "/api/v1/auth/sign-up", {r: {202} for r in ROLES}, body={"email": f"new-{n}@example.com", "password": PASSWORD},
             headers=_fresh_client(), route="/api/v1/auth/sign-up"),
        Case("POST", "/api/v1/auth/verify-email", {r: {400} for r in ROLES}, body=link, route="/api/v1/auth/verify-email"),
        Case("POST", "/api/v1/auth/verify-email/resend", {r: {202} for r in ROLES}, body={"email": "x@example.com"},
             headers=_fresh_client(), route="/api/v1/auth/verify-email/resend"),
        Case("POST", "/api/v1/auth/sign-in", {r: {400} for r in ROLES}, body=nobody, headers=_fresh_client(), route="/api/v1/auth/sign-in"),
        Case("POST", "/api/v1/auth/token", {r: {400} for r in ROLES}, body=nobody, headers=_fresh_client(), route="/api/v1/auth/token"),
        Case("POST", "/api/v1/auth/password-reset", {r: {202} for r in ROLES}, body={"email": "x@example.com"},
             headers=_fresh_client(), route="/api/v1/auth/password-reset"),
        Case("POST", "/api/v1/auth/password-reset/confirm", {r: {400} for r in ROLES}, body={**link, "password": PASSWORD},
             route="/api/v1/auth/password-reset/confirm"),
        Case("GET", "/api/v1/me/account", {**ANONYMOUS_DENIED, **SIGNED_IN}, route="/api/v1/me/account"),
        # Wrong password for a viewer; staff accounts are refused outright (they live in the admin).
        Case("DELETE", "/api/v1/me/account", {"anonymous": {403}, "viewer": {400}, "editor": {403}, "staff": {403}, "superuser": {403}},
             body={"password": "wrong password"}, route="/api/v1/me/account"),
        Case("GET", "/api/v1/me/sessions", {**ANONYMOUS_DENIED, **SIGNED_IN}, route="/api/v1/me/sessions"),
        Case("DELETE", "/api/v1/me/sessions/999999", {r: {403} if r == "anonymous" else {404} for r in ROLES},
             route="/api/v1/me/sessions/{id}"),
        Case("GET", "/api/v1/me/list", {**ANONYMOUS_DENIED, **SIGNED_IN}, route="/api/v1/me/list"),
        Case("PUT", f"/api/v1/me/list/{p}", {"anonymous": {403}, **{r: {201} for r in ROLES if r != "anonymous"}},
             route="/api/v1/me/list/{movie_id}"),
        # An unpublished movie cannot be saved: the same 404 as a missing one.
        Case("PUT", f"/api/v1/me/list/{h}", {"anonymous": {403}, **{r: {404} for r in ROLES if r != "anonymous"}},
             route="/api/v1/me/list/{movie_id}"),
        Case("DELETE", f"/api/v1/me/list/{p}", {"anonymous": {403}, **{r: {204} for r in ROLES if r != "anonymous"}},
             route="/api/v1/me/list/{movie_id}"),
        Case("GET", "/api/v1/me/history", {**ANONYMOUS_DENIED, **SIGNED_IN}, route="/api/v1/me/history"),
        Case("DELETE", "/api/v1/me/history", {"anonymous": {403}, **{r: {204} for r in ROLES if r != "anonymous"}},
             route="/api/v1/me/history"),
        Case("DELETE", f"/api/v1/me/history/{p}", {"anonymous": {403}, **{r: {204} for r in ROLES if r != "anonymous"}},
             route="/api/v1/me/history/{movie_id}"),
        Case("GET", "/api/v1/me/export", {**ANONYMOUS_DENIED, **SIGNED_IN}, route="/api/v1/me/export"),
        # Last: it signs the client out.
        Case("POST", "/api/v1/auth/sign-out", {"anonymous": DENIED, **{r: {204} for r in ROLES if r != "anonymous"}},
             route="/api/v1/auth/sign-out"),
    ]


@pytest.fixture
def account_clients(editor, staff_without_permissions, superuser) -> dict[str, Client]:
    """The matrix's roles, with the viewer a real (verified) viewer account signed in through the API."""
    viewer_account("matrix-viewer@example.com")
    clients = {"anonymous": Client(), "viewer": Client()}
    response = clients["viewer"].post("/api/v1/auth/sign-in", {"email": "matrix-viewer@example.com", "password": PASSWORD},
                                      content_type="application/json")
    assert response.status_code == 200
    for role, user in {"editor": editor, "staff": staff_without_permissions, "superuser": superuser}.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


def test_account_permission_matrix(account_clients, world):
    from django.db import transaction

    failures = []
    for role in ROLES:
        for case in account_api_cases(world):
            sid = transaction.savepoint()
            response = _call(account_clients[role], case)
            transaction.savepoint_rollback(sid)
            if response.status_code not in case.expected[role]:
                failures.append(f"{role:9} {case.method} {case.url}: {response.status_code}, expected {sorted(case.expected[role])}")
    assert not failures, "\n".join(failures)


def test_one_viewer_cannot_end_anothers_session_or_read_their_data(account_clients, world):
    viewer_account("other@example.com")
    other = Client()
    other.post("/api/v1/auth/sign-in", {"email": "other@example.com", "password": PASSWORD}, content_type="application/json")
    other.put(f"/api/v1/me/list/{world['published'].pk}")
    theirs = UserSession.objects.get(user__email="other@example.com")
    viewer = account_clients["viewer"]
    assert viewer.delete(f"/api/v1/me/sessions/{theirs.pk}").status_code == 404
    assert viewer.get("/api/v1/me/list").json()["count"] == 0
    assert other.get("/api/v1/me/list").json()["count"] == 1


def test_viewer_accounts_are_not_staff_and_get_no_admin(account_clients):
    viewer = account_clients["viewer"]
    assert viewer.get("/api/v1/me/account").json()["email"] == "matrix-viewer@example.com"
    response = viewer.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert viewer.get("/admin/accounts/viewer/").status_code == 302


def test_the_admin_lists_viewers_but_shows_history_only_with_the_permission(account_clients, editor, world):
    from tests.accounts.conftest import position, utc

    someone = viewer_account("watcher@example.com")
    position(f"user:{someone.pk}", world["published"], seconds=300, at=utc(2026, 5, 1))
    editor_client = account_clients["editor"]
    listing = editor_client.get("/admin/accounts/viewer/", {"q": "watcher@"})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "watcher@example.com" in body and "matrix-viewer@example.com" not in body
    assert editor.email not in editor_client.get("/admin/accounts/viewer/").content.decode()  # staff are not viewers
    change = editor_client.get(f"/admin/accounts/viewer/{someone.pk}/change/")
    assert change.status_code == 200
    assert world["published"].title not in change.content.decode()
    assert editor_client.post(f"/admin/accounts/viewer/{someone.pk}/delete/").status_code == 403

    editor.user_permissions.add(Permission.objects.get(codename="view_viewer_history"))
    editor_client.force_login(type(editor).objects.get(pk=editor.pk))
    change = editor_client.get(f"/admin/accounts/viewer/{someone.pk}/change/")
    assert world["published"].title in change.content.decode()
    # Staff accounts are not in the viewer list at all.
    assert editor_client.get(f"/admin/accounts/viewer/{editor.pk}/change/").status_code == 302
