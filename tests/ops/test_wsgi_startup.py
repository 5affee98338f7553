"""A web worker is ready when it starts: loading the WSGI application imports the URLconf and every
view module, so no request (the first after a start or a worker's restart) waits for those imports, and
freezes what it loaded out of the garbage collector's full collections."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.ops.servers import REPO

PROBE = """
import sys
{load}
import gc
print(gc.get_freeze_count() > 50000)
print(sorted(name for name in ("cinema_project.urls", "activity.urls", "catalog.api") if name in sys.modules))
"""


def _run(load: str) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cinema_project.settings", "DEBUG": "0"}
    result = subprocess.run([sys.executable, "-c", PROBE.format(load=load)], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-2:]


def _imported_after(load: str) -> str:
    return _run(load)[1]


def test_the_wsgi_application_loads_the_urlconf_and_views_before_any_request():
    assert _imported_after("from cinema_project.wsgi import application") == "['activity.urls', 'catalog.api', 'cinema_project.urls']"


def test_django_alone_leaves_them_to_the_first_request():  # what the WSGI module adds
    assert _imported_after("import django; django.setup()") == "[]"


def test_the_wsgi_application_freezes_what_the_worker_loaded():
    assert _run("from cinema_project.wsgi import application")[0] == "True"
    assert _run("import django; django.setup()")[0] == "False"
