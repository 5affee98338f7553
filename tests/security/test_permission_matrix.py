"""Who gets what, endpoint by endpoint: anonymous, viewer (logged in, no rights), editor (Editors group),
staff without permissions, and a superuser as the reference.

Reads of published content are public; override writes and the admin are for editors; unpublished
content (movies, their credits, overrides, videos, statistics) is hidden from everyone but staff;
/metrics answers only the operator's addresses. A final check makes sure every URL the project serves
is covered here, so a new endpoint cannot slip in without an entry.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory
from tests.security.endpoints import api_operations
from tests.streaming.conftest import store_asset, store_media, use_filesystem

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "viewer", "editor", "staff", "superuser")
PUBLIC = {role: {200} for role in ROLES}
STAFF_ONLY = {"anonymous": {404}, "viewer": {404}, "editor": {200}, "staff": {200}, "superuser": {200}}
DENIED = {401, 403}
EDITOR_WRITE = {"anonymous": DENIED, "viewer": {403}, "staff": {403}}


@dataclass
class Case:
    method: str
    url: str
    expected: dict[str, set[int]]
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    route: str = ""  # the URL pattern (schema path) this case covers


@pytest.fixture
def clients(editor, staff_without_permissions, superuser) -> dict[str, Client]:
    users = {
        "viewer": UserFactory(username="plain-viewer"),
        "editor": editor,
        "staff": staff_without_permissions,
        "superuser": superuser,
    }
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return clients


@pytest.fixture
def world(catalog, settings, tmp_path):
    use_filesystem(settings, tmp_path / "objects")
    store_asset(catalog["published"], b"public-video-bytes" * 10)
    store_asset(catalog["hidden"], b"secret-video-bytes" * 10)
    for name in ("published", "hidden"):
        catalog[f"{name}_poster"], catalog[f"{name}_trickplay"] = store_media(catalog[name])
    return catalog


def _event(movie_id: int) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "play",
        "movie_id": movie_id,
        "session_id": str(uuid.uuid4()),
        "viewer_id": "matrix-viewer",
        "position": 0,
        "occurred_at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
    }


def api_cases(world) -> list[Case]:
    p, h = world["published"].pk, world["hidden"].pk
    person = world["person"].pk
    o, ho = world["override"].pk, world["hidden_override"].pk
    viewer_header = {"HTTP_X_VIEWER_ID": "matrix-viewer"}
    cases = [
        Case("GET", "/api/v1/movies/", PUBLIC, route="/api/v1/movies/"),
        Case("GET", f"/api/v1/movies/{p}/", PUBLIC, route="/api/v1/movies/{id}/"),
        Case("GET", f"/api/v1/movies/{h}/", STAFF_ONLY, route="/api/v1/movies/{id}/"),
        Case("GET", f"/api/v1/movies/{p}/credits/", PUBLIC, route="/api/v1/movies/{id}/credits/"),
        Case("GET", f"/api/v1/movies/{h}/credits/", STAFF_ONLY, route="/api/v1/movies/{id}/credits/"),
        Case("GET", f"/api/v1/movies/{p}/similar/", PUBLIC, route="/api/v1/movies/{id}/similar/"),
        Case("GET", f"/api/v1/movies/{h}/similar/", STAFF_ONLY, route="/api/v1/movies/{id}/similar/"),
        Case("GET", "/api/v1/genres/", PUBLIC, route="/api/v1/genres/"),
        Case("GET", f"/api/v1/movies/{p}/stream", PUBLIC, route="/api/v1/movies/{movie_id}/stream"),
        Case("GET", f"/api/v1/movies/{h}/stream", STAFF_ONLY, route="/api/v1/movies/{movie_id}/stream"),
        Case("HEAD", f"/api/v1/movies/{h}/stream", STAFF_ONLY, route="/api/v1/movies/{movie_id}/stream"),
        *[
            case
            for name, access in (("published", PUBLIC), ("hidden", STAFF_ONLY))
            for poster, track in [(world[f"{name}_poster"], world[f"{name}_trickplay"])]
            for case in (
                Case("GET", f"/api/v1/images/{poster.pk}/{poster.width}", access, route="/api/v1/images/{image_id}/{width}"),
                Case("GET", f"/api/v1/movies/{world[name].pk}/trickplay.vtt", access, route="/api/v1/movies/{movie_id}/trickplay.vtt"),
                Case("GET", f"/api/v1/movies/{world[name].pk}/trickplay/{track.pk}/0.jpg", access,
                     route="/api/v1/movies/{movie_id}/trickplay/{track_id}/{sheet}.jpg"),
            )
        ],
        Case("GET", "/api/v1/people/", PUBLIC, route="/api/v1/people/"),
        Case("GET", f"/api/v1/people/{person}/", PUBLIC, route="/api/v1/people/{id}/"),
        Case("GET", "/api/v1/search/suggest?q=movie", PUBLIC, route="/api/v1/search/suggest"),
        Case("GET", "/api/v1/overrides/", PUBLIC, route="/api/v1/overrides/"),
        Case("GET", f"/api/v1/overrides/{o}/", PUBLIC, route="/api/v1/overrides/{id}/"),
        Case("GET", f"/api/v1/overrides/{ho}/", STAFF_ONLY, route="/api/v1/overrides/{id}/"),
        Case("POST", "/api/v1/overrides/", {**EDITOR_WRITE, "editor": {201}, "superuser": {201}},
             body={"movie": p, "language": "ru", "text": "new"}, route="/api/v1/overrides/"),
        Case("PATCH", f"/api/v1/overrides/{o}/", {**EDITOR_WRITE, "editor": {200}, "superuser": {200}},
             body={"text": "patched"}, route="/api/v1/overrides/{id}/"),
        Case("PUT", f"/api/v1/overrides/{o}/", {**EDITOR_WRITE, "editor": {200}, "superuser": {200}},
             body={"movie": p, "language": "en", "text": "replaced"}, route="/api/v1/overrides/{id}/"),
        # The hidden movie's override: viewers are refused before they could learn it exists.
        Case("PATCH", f"/api/v1/overrides/{ho}/", {**EDITOR_WRITE, "editor": {200}, "superuser": {200}},
             body={"text": "patched hidden"}, route="/api/v1/overrides/{id}/"),
        Case("DELETE", f"/api/v1/overrides/{o}/", {**EDITOR_WRITE, "editor": {204}, "superuser": {204}},
             route="/api/v1/overrides/{id}/"),
        # Anyone's player may send events (anonymous viewers included); the answer is per event.
        Case("POST", "/api/v1/activity/events", {role: {202} for role in ROLES}, body={"events": [_event(p)]},
             route="/api/v1/activity/events"),
        Case("GET", "/api/v1/me/continue-watching", PUBLIC, headers=viewer_header, route="/api/v1/me/continue-watching"),
        Case("GET", "/api/v1/analytics/top-movies", PUBLIC, route="/api/v1/analytics/top-movies"),
        Case("GET", "/api/v1/analytics/watch-time", PUBLIC, route="/api/v1/analytics/watch-time"),
        Case("GET", "/api/v1/analytics/error-rate", PUBLIC, route="/api/v1/analytics/error-rate"),
        Case("GET", "/api/v1/analytics/overview", PUBLIC, route="/api/v1/analytics/overview"),
        Case("GET", "/api/v1/analytics/qoe", PUBLIC, route="/api/v1/analytics/qoe"),
        Case("GET", f"/api/v1/analytics/qoe?movie_id={p}", PUBLIC, route="/api/v1/analytics/qoe"),
        Case("GET", f"/api/v1/analytics/qoe?movie_id={h}", STAFF_ONLY, route="/api/v1/analytics/qoe"),
        Case("GET", f"/api/v1/analytics/retention?movie_id={p}", PUBLIC, route="/api/v1/analytics/retention"),
        Case("GET", f"/api/v1/analytics/retention?movie_id={h}", STAFF_ONLY, route="/api/v1/analytics/retention"),
        Case("GET", "/api/schema/", PUBLIC, route="/api/schema/"),
        Case("GET", "/api/docs/", PUBLIC, route="/api/docs/"),
        Case("GET", "/healthz", PUBLIC, route="/healthz"),
    ]
    from tests.security.test_permission_matrix_accounts import account_api_cases

    return cases + account_api_cases(world)


def _call(client: Client, case: Case):
    kwargs = dict(case.headers)
    if case.body is not None:
        kwargs.update(data=json.dumps(case.body), content_type="application/json")
    return getattr(client, case.method.lower())(case.url, **kwargs)


def test_api_permission_matrix(clients, world):
    failures = []
    # Writes change the data: each role runs the cases on a fresh copy (a savepoint rolled back).
    from django.db import transaction

    for role in ROLES:
        for case in api_cases(world):
            sid = transaction.savepoint()
            response = _call(clients[role], case)
            transaction.savepoint_rollback(sid)
            if response.status_code not in case.expected[role]:
                failures.append(f"{role:9} {case.method} {case.url}: {response.status_code}, expected {sorted(case.expected[role])}")
    assert not failures, "\n".join(failures)


def test_write_by_someone_without_permission_changes_nothing(clients, world):
    from overrides.models import DescriptionOverride

    before = list(DescriptionOverride.objects.order_by("pk").values_list("pk", "text"))
    for role in ("anonymous", "viewer", "staff"):
        for case in api_cases(world):
            if case.method in ("POST", "PUT", "PATCH", "DELETE") and "overrides" in case.url:
                assert _call(clients[role], case).status_code in DENIED
    assert list(DescriptionOverride.objects.order_by("pk").values_list("pk", "text")) == before


def test_unpublished_content_never_appears_in_public_answers(clients, world):
    """Lists, searches, filmographies and statistics as the public sees them carry no trace of the hidden movie."""
    hidden = world["hidden"]
    # Even with plays recorded for it (a staff preview), statistics and resume lists never show it.
    for role in ("editor", "anonymous"):
        response = clients[role].post("/api/v1/activity/events", data=json.dumps({"events": [_event(hidden.pk)]}),
                                      content_type="application/json")
        assert response.status_code == 202
    secrets_ = [hidden.title, "hidden override", "secret-video-bytes"]
    urls = [
        "/api/v1/movies/?limit=100", "/api/v1/movies/?q=secret", "/api/v1/movies/?q=Secret%20Cut",
        f"/api/v1/people/{world['hidden_person'].pk}/", f"/api/v1/people/{world['person'].pk}/",
        "/api/v1/people/?limit=100", "/api/v1/overrides/?limit=100", f"/api/v1/overrides/?movie={hidden.pk}",
        "/api/v1/analytics/top-movies", "/api/v1/me/continue-watching",
        "/api/v1/search/suggest?q=secret", "/api/v1/search/suggest?q=Secret%20Cut", "/api/v1/movies/?q=hidden%20override",
    ]
    for role in ("anonymous", "viewer"):
        for url in urls:
            response = clients[role].get(url, HTTP_X_VIEWER_ID="matrix-viewer")
            assert response.status_code == 200, (role, url, response.status_code)
            body = response.content.decode()
            for secret in secrets_:
                assert secret not in body, (role, url, secret)
    staff_view = clients["editor"].get("/api/v1/movies/?limit=100").content.decode()
    assert hidden.title in staff_view


@pytest.mark.parametrize("address,status", [("127.0.0.1", 200), ("203.0.113.5", 403), ("10.1.2.3", 403)])
def test_metrics_answer_only_allowed_addresses_whoever_asks(clients, address, status, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
    for role in ROLES:
        response = clients[role].get("/metrics", REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR="127.0.0.1")
        assert response.status_code == status, (role, address)


# --- the admin ------------------------------------------------------------------------------

# What an editor may do per model, as the Editors group grants it (the apps' 0002 migrations).
EDITOR_ADMIN = {
    "auth.user": set(), "auth.group": set(), "authtoken.tokenproxy": set(),
    "catalog.movie": {"view", "add", "change"},
    "catalog.genre": {"view", "add", "change", "delete"},
    "people.person": {"view", "add", "change"},
    "people.credit": {"view", "add", "change", "delete"},
    "overrides.descriptionoverride": {"view", "add", "change", "delete"},
    "streaming.videoasset": {"view", "add", "change", "delete"},
    "activity.outboxevent": {"view"},
    "activity.moviedailystats": {"view"},
    "analytics.movieanalytics": {"view"},
    "etl.etlrun": {"view"},
    "etl.rejectedrecord": {"view"},
    # Login lockouts (django-axes): addresses and account names of everyone who tried; superusers only.
    "axes.accessattempt": set(), "axes.accesslog": set(), "axes.accessfailurelog": set(),
    "accounts.viewer": {"view"},
}


def test_every_admin_model_is_in_the_editor_table():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(EDITOR_ADMIN), "update EDITOR_ADMIN for: " + ", ".join(sorted(registered ^ set(EDITOR_ADMIN)))


def test_admin_pages(clients, world):
    failures = []

    def expect(role, url, allowed):
        response = clients[role].get(url)
        if response.status_code not in allowed:
            failures.append(f"{role:9} GET {url}: {response.status_code}, expected {sorted(allowed)}")
        if response.status_code == 302 and role in ("anonymous", "viewer"):
            assert "/admin/login/" in response["Location"]

    for role in ROLES:
        expect(role, "/admin/", {302} if role in ("anonymous", "viewer") else {200})
    for model in admin.site._registry:
        label = model._meta.label_lower
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj = model._default_manager.first()
        for role in ("anonymous", "viewer"):
            expect(role, base, {302})
            expect(role, base + "add/", {302})
        expect("staff", base, {403})
        expect("staff", base + "add/", {403})
        expect("superuser", base, {200})
        rights = EDITOR_ADMIN[label]
        expect("editor", base, {200} if "view" in rights else {403})
        expect("editor", base + "add/", {200} if "add" in rights else {403})
        if obj is not None:
            change = f"{base}{obj.pk}/change/"
            expect("staff", change, {403})
            expect("editor", change, {200} if "view" in rights else {403})
            expect("editor", f"{base}{obj.pk}/delete/", {200} if "delete" in rights else {403})
    for role, allowed in {"anonymous": {302}, "viewer": {302}, "staff": {403}, "editor": {200}, "superuser": {200}}.items():
        expect(role, "/admin/etl/etlrun/run/", allowed)
    assert not failures, "\n".join(failures)


def test_an_editor_cannot_raise_their_own_rights(clients, editor):
    """No user, group or token admin for editors: the way to grant oneself more."""
    client = clients["editor"]
    assert client.post(f"/admin/auth/user/{editor.pk}/change/", {"is_superuser": "on", "username": editor.username}).status_code == 403
    assert client.post("/admin/auth/group/add/", {"name": "Mine"}).status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


# --- every URL is covered -------------------------------------------------------------------

NON_API_ROUTES = {
    "/admin/": "test_admin_pages",
    "/metrics": "test_metrics_answer_only_allowed_addresses_whoever_asks",
    "/readyz": "public probe, like /healthz",
    "web app": "the built Vite app, public",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def test_every_api_operation_is_in_the_matrix(world):
    covered = {(case.method, case.route) for case in api_cases(world)}
    missing = [str(op) for op in api_operations() if (op.method.upper(), op.path) not in covered]
    assert not missing, "add these operations to api_cases(): " + ", ".join(missing)


def test_every_url_pattern_is_accounted_for(world):
    covered_api = {case.route.lstrip("/") for case in api_cases(world)}
    unaccounted = []
    for route in set(_routes(get_resolver().url_patterns)):
        plain = route.replace("<int:pk>", "{id}").replace("<id:pk>", "{id}").replace("<pk>", "{id}")
        plain = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", plain)  # <id:movie_id> -> {movie_id}, as the schema writes it
        if route.startswith("admin/") or route.startswith("^(?!api/"):
            continue  # the admin (test_admin_pages) and the web app's catch-all
        if route.startswith("api/v1/^") or route.startswith("api/v1/") and "(?P<" in route:
            continue  # the router's regex routes: the schema's operations, checked above
        if plain in covered_api or "/" + plain in NON_API_ROUTES or route in {"api/v1/", "api/v1/<drf_format_suffix:format>"}:
            continue
        unaccounted.append(route)
    assert not unaccounted, "URL patterns with no permission check here: " + ", ".join(sorted(unaccounted))
