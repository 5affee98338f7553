"""What a fault test (or the load benchmark) needs around the servers tests.services starts: the
environment of a production deployment, and plain HTTP requests that return whatever the status."""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.services import ROOT


def production_env(*, database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production deployment on loopback (no TLS proxy in front, so no redirect)."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "cinema_project.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_MANIFEST": "0",
            "CINEMA_VAR_DIR": str(var_dir),
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


def http_get(url: str, *, timeout: float = 30.0, headers: dict | None = None) -> tuple[int, dict, bytes, float]:
    """GET `url`; return (status, headers, body, seconds taken) whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, dict(response.headers), body, time.monotonic() - started
    except urllib.error.HTTPError as exc:
        body = exc.read()
        return exc.code, dict(exc.headers), body, time.monotonic() - started


def http_json(url: str, **kwargs) -> tuple[int, object, float]:
    status, headers, body, elapsed = http_get(url, **kwargs)
    return status, json.loads(body) if body else None, elapsed
