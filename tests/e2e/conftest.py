"""End-to-end fixtures: the built web app served by the real backend (gunicorn) with the demo data,
driven by real Chromium through Playwright.

One backend serves the whole session: gunicorn runs against pytest-django's test database and the
S3 server of the run, with an access log that records each request's Range header, so a test can
prove the player seeks with byte ranges. Each test gets a fresh browser context (its own
localStorage, so its own anonymous viewer).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.services import Gunicorn, ServiceError, test_database_url

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DEMO_VIDEOS = 2  # short demo videos (generate_demo_videos --limit); the seek test adds one long video
# The access log keeps what the tests look at: method, path, status, and the Range header.
ACCESS_LOG_FORMAT = '%(m)s %(U)s %(s)s range="%({range}i)s"'


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            # Asks pytest-django for the test database; the data itself is loaded once per session
            # and committed (demo_data), so the per-test transaction only wraps this process's reads.
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def frontend_build(tmp_path_factory, worker_id):
    """Builds frontend/ once per run so the backend serves the current source (Vite takes seconds).

    Under pytest-xdist every worker has its own backend, but they share frontend/dist: a lock and a
    per-run stamp make the first worker build and the others wait for it, never rebuilding mid-test.
    """
    import fcntl

    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH: install Node.js 20.19+ (the e2e tests build frontend/ with `npm run build`)")
    if not (FRONTEND / "node_modules").is_dir():
        pytest.fail("frontend/node_modules is missing: run `cd frontend && npm ci` (make test does)")
    # The workers' base temporary directories share a parent that is new for each run (pytest-xdist docs).
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    stamp = shared / "frontend-built"
    with open(shared / "frontend-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            result = subprocess.run([npm, "run", "build"], cwd=FRONTEND, capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                pytest.fail(f"`npm run build` failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
            stamp.touch()
    return FRONTEND / "dist"


@pytest.fixture(scope="session")
def e2e_env(s3_endpoint, django_db_setup):
    """Environment of the backend processes: the test database, the run's S3 server, a scratch var/."""
    import boto3

    scratch = Path(tempfile.mkdtemp(prefix="cinema-e2e-"))
    buckets = {"S3_VIDEOS_BUCKET": "e2e-videos", "S3_CMS_BUCKET": "e2e-cms"}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    for bucket in buckets.values():
        s3.create_bucket(Bucket=bucket)
    env = {
        **os.environ,
        **buckets,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "S3_REGION": "us-east-1",
        "DATABASE_URL": test_database_url(),
        "CINEMA_VAR_DIR": str(scratch / "var"),
        # Events are checked where the API stores them (the outbox); relaying them to Kafka has its own tests.
        "KAFKA_BOOTSTRAP_SERVERS": "",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "DJANGO_SETTINGS_MODULE": "cinema_project.settings",
        "PYTHONUNBUFFERED": "1",
        # Account emails land in files a test can read (tests/e2e/test_accounts.py).
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(scratch / "mail"),
    }
    yield {"env": env, "dir": scratch}
    shutil.rmtree(scratch, ignore_errors=True)


def _run_python(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def manage(env: dict, *args: str) -> str:
    """Runs a management command the way an operator does; fails the session with its output."""
    return _run_python(env, "manage.py", *args)


@pytest.fixture(scope="session")
def demo_data(e2e_env, django_db_blocker):
    """The demo catalog and a few demo videos, loaded once with the operators' commands."""
    manage(e2e_env["env"], "load_demo")
    # A few short videos keep the session quick; the player tests use the movies that have one.
    manage(e2e_env["env"], "generate_demo_videos", "--limit", str(DEMO_VIDEOS))
    with django_db_blocker.unblock():
        top = _seed_daily_statistics()
    long_video = _run_python(e2e_env["env"], "-c", "import django; django.setup(); from tests.e2e.videos import main; main()")
    return {"long_video_movie_id": int(long_video.strip().splitlines()[-1]), "top_movie_titles": top}


def _seed_daily_statistics() -> list[str]:
    """Two weeks of per-movie statistics, as the activity consumer builds them from Kafka (that
    pipeline has its own tests); returns the titles of the top three movies by plays."""
    import datetime

    from activity.models import MovieDailyStats
    from catalog.models import Movie

    today = datetime.datetime.now(datetime.UTC).date()
    movies = list(Movie.objects.order_by("id")[:6])
    rows = []
    for rank, movie in enumerate(movies):
        for back in range(14):
            plays = (len(movies) - rank) * 3 + back % 4
            rows.append(
                MovieDailyStats(
                    movie=movie,
                    day=today - datetime.timedelta(days=back),
                    plays=plays,
                    starts=plays + 1,
                    unique_viewers=plays - 1,
                    watch_seconds=plays * 1500.0,
                    completions=plays // 3,
                    errors=(back + rank) % 3 == 0,
                )
            )
    MovieDailyStats.objects.bulk_create(rows)
    return [movie.title for movie in movies[:3]]


@pytest.fixture(scope="session")
def backend(frontend_build, demo_data, e2e_env):
    """gunicorn serving the app and API on a free 127.0.0.1 port; yields its base URL and access log."""
    access_log = e2e_env["dir"] / "access.log"
    server = Gunicorn(
        e2e_env["env"], inherit_env=True, workers=2, threads=8, ready_path="/healthz",
        extra_args=(
            # Threads: a playing <video> holds a streaming connection open while the page makes API calls.
            "--worker-class", "gthread", "--timeout", "60", "--graceful-timeout", "5",
            "--access-logfile", str(access_log), "--access-logformat", ACCESS_LOG_FORMAT,
        ),
    )
    try:
        server.start()
    except ServiceError as exc:
        pytest.fail(str(exc))
    yield {"url": server.base_url, "access_log": access_log}
    server.close(timeout=15)


@pytest.fixture
def browser():
    # One Chromium per test, started after pytest-django opened its per-test transaction: Playwright's
    # sync API runs an event loop in this thread, and Django refuses database calls beside one.
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (`apt-get install chromium`) or set CHROMIUM_PATH")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def context(backend, browser):
    context = browser.new_context(base_url=backend["url"], viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def db_read(django_db_blocker):
    """Runs a function with database access outside a test transaction (sees the backend's commits).

    It runs in a worker thread: Playwright's sync API keeps an event loop in the main thread, and
    Django refuses database calls from a thread with a running loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def in_thread(function):
        try:
            return function()
        finally:
            connections.close_all()

    def run(function):
        with django_db_blocker.unblock(), ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(in_thread, function).result()

    return run


@pytest.fixture
def screenshot(request):
    """Saves a full-page screenshot to test-artifacts/screenshots/<name>.png."""

    def take(page, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of a full-page shot
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
