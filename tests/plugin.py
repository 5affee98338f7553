"""Loaded first (pytest.ini `-p tests.plugin`): gives the run its own PostgreSQL before Django starts.

With DATABASE_URL set, the suite uses that server (pytest-django creates its test databases there).
Otherwise it starts an embedded PostgreSQL (tests.services.start_run_database) in a temporary directory,
shared by the xdist workers, and deletes it at the end of the run.
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ.setdefault("STATIC_MANIFEST", "0")  # no collectstatic needed for admin pages in tests
    # In-process tests keep their cache in the process (tests clear it between cases, some without a
    # database) and no response cache; tests of the shared caches set these for the servers they start.
    os.environ.setdefault("CACHE_BACKEND", "locmem")
    os.environ.setdefault("RESPONSE_CACHE_BACKEND", "none")
    if os.environ.get("DATABASE_URL"):
        return
    from tests.services import ServiceError, start_run_database

    try:
        os.environ["DATABASE_URL"] = start_run_database()
    except ServiceError as exc:
        raise pytest.UsageError(str(exc)) from exc
