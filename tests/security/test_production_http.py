"""The production server over real HTTP: TLS-only redirects and HSTS, security headers, secure cookies,
CSRF on session-authenticated writes, CORS only for configured origins, no debug output.

gunicorn runs with DJANGO_ENV=production behind a pretend TLS proxy (X-Forwarded-Proto: https), as
deployed; the settings' refusal to start on unsafe values is tested in tests/test_settings.py.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.faults.live import production_env
from tests.services import ControlledPostgres, Gunicorn, manage

pytestmark = [pytest.mark.slow]

APP_ORIGIN = "https://app.cinema.example"
HTTPS = {"X-Forwarded-Proto": "https"}
PASSWORD = "a-long-editor-password-17"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    postgres = ControlledPostgres()
    env = production_env(
        database_url=postgres.url,
        var_dir=tmp_path_factory.mktemp("var"),
        SECURE_SSL_REDIRECT="1",
        CORS_ALLOWED_ORIGINS=APP_ORIGIN,
        CSRF_TRUSTED_ORIGINS="https://127.0.0.1",
    )
    manage(env, "migrate", "--noinput")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User; from catalog.models import Movie; "
        f"u = User.objects.create_user('ed', password='{PASSWORD}', is_staff=True); "
        "u.groups.add(Group.objects.get(name='Editors')); "
        "Movie.objects.create(external_id=7, title='Headers', language='en')",
    )
    app = Gunicorn(env, workers=1, threads=4, extra_args=("--timeout", "60")).start()
    yield app
    app.close()
    postgres.close()


def request(server, path, *, method="GET", headers=None, data=None):
    req = urllib.request.Request(server.base_url + path, method=method, data=data, headers={**HTTPS, **(headers or {})})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_plain_http_is_redirected_to_https_except_for_probes(server):
    status, headers, _ = request(server, "/api/v1/movies/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301 and headers["Location"].startswith("https://")
    status, _, _ = request(server, "/healthz", headers={"X-Forwarded-Proto": "http"})
    assert status == 200


def test_security_headers_on_api_admin_and_errors(server):
    for path in ("/api/v1/movies/", "/admin/login/", "/api/v1/movies/999999/", "/api/schema/"):
        status, headers, _ = request(server, path)
        assert status in (200, 404), path
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", path


def test_no_debug_output_in_production(server):
    status, headers, body = request(server, "/api/v1/movies/999999/")
    assert status == 404 and headers["Content-Type"] == "application/json" and "detail" in json.loads(body)
    status, _, body = request(server, "/admin/no-such-page-here/")
    assert status in (302, 404)
    assert b"Traceback" not in body and b"DEBUG = True" not in body and b"URLconf" not in body
    status, _, body = request(server, "/api/v1/movies/", headers={"Host": "evil.example"})
    assert status == 400 and b"ALLOWED_HOSTS" not in body


def _cookies(headers) -> dict[str, str]:
    """Set-Cookie values by name (the Secure cookies a cookie jar would not return over loopback http)."""
    return {v.split("=", 1)[0]: v for v in headers.get_all("Set-Cookie") or []}


def _value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def _login(server) -> tuple[str, str]:
    """Log in through the admin form; return (csrftoken, sessionid)."""
    status, headers, body = request(server, "/admin/login/")
    assert status == 200
    csrf_cookie = _cookies(headers)["csrftoken"]
    assert "Secure" in csrf_cookie
    csrftoken = _value(csrf_cookie)
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"username": "ed", "password": PASSWORD, "csrfmiddlewaretoken": form_token, "next": "/admin/"})
    status, headers, _ = request(
        server,
        "/admin/login/",
        method="POST",
        data=form.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://127.0.0.1:{server.port}/admin/login/",
            "Cookie": f"csrftoken={csrftoken}",
        },
    )
    assert status == 302, "login failed"
    cookies = _cookies(headers)
    session = cookies["sessionid"]
    assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
    return _value(cookies.get("csrftoken", f"csrftoken={csrftoken}")), _value(session)


def test_session_authenticated_writes_need_the_csrf_token(server):
    csrftoken, sessionid = _login(server)
    cookie = {"Cookie": f"csrftoken={csrftoken}; sessionid={sessionid}"}
    status, _, body = request(server, "/api/v1/movies/?limit=1", headers=cookie)
    movie_id = json.loads(body)["results"][0]["id"]
    payload = json.dumps({"movie": movie_id, "language": "ru", "text": "Заголовки"}).encode()
    headers = {**cookie, "Origin": f"https://127.0.0.1:{server.port}", "Content-Type": "application/json"}

    status, _, body = request(server, "/api/v1/overrides/", method="POST", data=payload, headers=headers)
    assert status == 403 and b"CSRF" in body, body

    forged = {**headers, "Origin": "https://evil.example", "X-CSRFToken": csrftoken}
    status, _, body = request(server, "/api/v1/overrides/", method="POST", data=payload, headers=forged)
    assert status == 403 and b"CSRF" in body, body

    status, _, body = request(server, "/api/v1/overrides/", method="POST", data=payload, headers={**headers, "X-CSRFToken": csrftoken})
    assert status == 201, body
    assert json.loads(body)["author"] == "ed"


def test_cors_answers_only_the_configured_origin(server):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    status, headers, _ = request(server, "/api/v1/activity/events", method="OPTIONS", headers={"Origin": APP_ORIGIN, **preflight})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"

    for origin in ("https://evil.example", "null", APP_ORIGIN + ".evil.example"):
        status, headers, _ = request(server, "/api/v1/activity/events", method="OPTIONS", headers={"Origin": origin, **preflight})
        assert "Access-Control-Allow-Origin" not in headers, origin
        status, headers, _ = request(server, "/api/v1/movies/", headers={"Origin": origin})
        assert status == 200 and "Access-Control-Allow-Origin" not in headers, origin
