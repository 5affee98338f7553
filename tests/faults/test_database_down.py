"""PostgreSQL stopped under the running production server: quick 503 JSON, no hang, recovery on its own.

The app runs as in production (gunicorn workers, persistent connections with health checks) against a
PostgreSQL server this test stops with a fast shutdown and starts again.
"""

from __future__ import annotations

import time

import pytest

from tests.faults.live import http_get, http_json, production_env
from tests.services import ControlledPostgres, Gunicorn, manage

pytestmark = [pytest.mark.slow]

# Each request must be answered well before a client or proxy would give up.
QUICK = 3.0


@pytest.fixture(scope="module")
def postgres():
    server = ControlledPostgres()
    yield server
    server.close()


@pytest.fixture(scope="module")
def app(postgres, tmp_path_factory):
    env = production_env(database_url=postgres.url, var_dir=tmp_path_factory.mktemp("var"))
    manage(env, "migrate", "--noinput")
    manage(
        env,
        "shell",
        "-c",
        "from catalog.models import Movie; from people.models import Person; "
        "Movie.objects.create(external_id=1, title='The Stopped Server', language='en', partner_description='x'); "
        "Person.objects.create(external_id=1, full_name='Ada Fault')",
    )
    server = Gunicorn(env, workers=2, threads=2, extra_args=("--timeout", "60")).start()
    yield server
    server.close()


def _movie_id(app) -> int:
    status, body, _ = http_json(f"{app.base_url}/api/v1/movies/")
    assert status == 200, body
    return body["results"][0]["id"]


def _wait_until_every_worker_answers(app, movie_id: int, timeout: float):
    """Wait for a run of good answers after PostgreSQL is back; return the last answer and the wait.

    Each worker's connection pool reconnects on its own schedule, and a run of answers can all come
    from one of them: the run alternates the paths and is long enough that both workers are in it."""
    started = time.monotonic()
    good = 0
    while good < 12 and time.monotonic() < started + timeout:
        path = "/api/v1/movies/" if good % 2 else f"/api/v1/movies/{movie_id}/"
        status, _, body, _ = http_get(f"{app.base_url}{path}")
        good = good + 1 if status == 200 else 0
        time.sleep(0.2)
    return status, body, time.monotonic() - started


def test_api_answers_503_quickly_while_the_database_is_down_and_recovers(postgres, app):
    movie_id = _movie_id(app)
    # Warm every worker's persistent connection so the outage hits open connections too.
    for _ in range(8):
        assert http_get(f"{app.base_url}/api/v1/movies/{movie_id}/")[0] == 200

    postgres.stop()
    try:
        urls = [
            "/api/v1/movies/",
            f"/api/v1/movies/{movie_id}/",
            "/api/v1/movies/?q=stopped",
            "/api/v1/people/",
            "/api/v1/overrides/",
        ]
        for _ in range(2):  # twice: each of the workers answers at least once
            for path in urls:
                status, headers, body, elapsed = http_get(f"{app.base_url}{path}", timeout=QUICK + 5)
                assert status == 503, (path, status, body[:500], app.log_tail())
                assert elapsed < QUICK, (path, elapsed)
                assert headers["Content-Type"].startswith("application/json")
                assert b'"database_unavailable"' in body and b"detail" in body
                assert headers.get("Retry-After") == "5"

        status, body, elapsed = http_json(f"{app.base_url}/readyz", timeout=QUICK + 5)
        assert status == 503 and body["checks"]["database"]["status"] == "fail" and elapsed < QUICK
        status, body, _ = http_json(f"{app.base_url}/healthz")
        assert status == 200  # the process itself is alive: no restart loop from the orchestrator
    finally:
        postgres.start()

    # Back on its own, no restart of the app (DATABASE_POOL_RECONNECT_TIMEOUT, settings.py).
    status, body, _ = _wait_until_every_worker_answers(app, movie_id, timeout=30)
    assert status == 200, body[:500]
    for _ in range(8):
        status, body, _ = http_json(f"{app.base_url}/api/v1/movies/{movie_id}/")
        assert status == 200 and body["title"] == "The Stopped Server"
    status, body, _ = http_json(f"{app.base_url}/readyz")
    assert status == 200, body


def test_token_authenticated_request_gets_503_not_500_while_the_database_is_down(postgres, app):
    """Authentication itself reads the database: that failure must map to 503 as well."""
    manage(
        production_env(database_url=postgres.url, var_dir=app.workdir),
        "shell",
        "-c",
        "from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token; "
        "u = User.objects.create_user('tok', password='x-very-long-password-42'); "
        "Token.objects.create(user=u, key='f' * 40)",
    )
    headers = {"Authorization": "Token " + "f" * 40}
    assert http_get(f"{app.base_url}/api/v1/movies/", headers=headers)[0] == 200
    postgres.stop()
    try:
        for _ in range(4):
            status, _, body, elapsed = http_get(f"{app.base_url}/api/v1/movies/", headers=headers, timeout=QUICK + 5)
            assert status == 503 and b"database_unavailable" in body, (status, body[:500])
            assert elapsed < QUICK
    finally:
        postgres.start()
    deadline = time.monotonic() + 15
    while http_get(f"{app.base_url}/api/v1/movies/", headers=headers)[0] != 200:
        assert time.monotonic() < deadline, app.log_tail()
        time.sleep(0.2)


def test_every_worker_is_back_within_seconds_after_a_long_outage(postgres, app):
    """A pool retries a failed connection with a doubling delay (1, 2, 4, 8, 16 s...): after a 16 s
    outage its next attempt could be 10 s or more after PostgreSQL is back. The pool gives a failing
    attempt up after DATABASE_POOL_RECONNECT_TIMEOUT (5 s) and the next request starts a fresh one."""
    movie_id = _movie_id(app)
    postgres.stop()
    try:
        outage_ends = time.monotonic() + 16
        while time.monotonic() < outage_ends:  # clients keep asking, as they would
            status, _, body, elapsed = http_get(f"{app.base_url}/api/v1/movies/{movie_id}/", timeout=QUICK + 5)
            assert status == 503 and elapsed < QUICK, (status, body[:500])
    finally:
        postgres.start()
    status, body, waited = _wait_until_every_worker_answers(app, movie_id, timeout=30)
    assert status == 200, body[:500]
    # Twelve answers take about 3 s (0.2 s apart) once both workers are back.
    assert waited < 10, (waited, app.log_tail())
