"""schemathesis against the production server over real HTTP: gunicorn with gunicorn.conf.py, PostgreSQL.

The in-process run (test_schema_conformance.py) cannot see the HTTP server: framing, keep-alive,
worker threads, the production settings. Here the schema is read from the server's own /api/schema/
and every operation gets a few generated requests (valid and invalid), bounded to stay well under two
minutes: no answer may be a 5xx, and every answer must match the schema.
"""

from __future__ import annotations

import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.fuzz.test_schema_conformance import CHECKS, VALID_BODIES
from tests.security.endpoints import api_operations
from tests.security.live import start_live_app, wait_until_ready

pytestmark = [pytest.mark.slow]

MAX_EXAMPLES = 6  # per operation and mode


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = start_live_app(tmp_path_factory.mktemp("var"))
    wait_until_ready(app)
    yield app
    app.close()


@pytest.fixture(scope="module")
def live_schema(live):
    return schemathesis.openapi.from_url(f"{live.base_url}/api/schema/?format=json")


@pytest.fixture(scope="module")
def session(live):
    with requests.Session() as session:  # keep-alive connections, as a real client keeps them
        session.headers["Authorization"] = f"Token {live.token}"
        yield session


def _path_values(operation, ids: dict) -> dict:
    values = {}
    segments = operation.path.strip("/").split("/")
    for index, segment in enumerate(segments):
        for name in re.findall(r"\{(\w+)\}", segment):
            collection = segments[index - 1]
            if collection not in ids:
                # The seeded server has no such object (images and seek previews need stored media, and
                # the live server has no object storage): the in-process run (test_schema_conformance) covers these.
                pytest.skip(f"no seeded object for /{collection}/ on the live server")
            values[name] = ids[collection][-1 if operation.method == "delete" else 0]
    return values


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", api_operations(), ids=str)
def test_every_operation_over_real_http(operation, mode, live, live_schema, session):
    api_operation = live_schema[operation.path][operation.method.upper()]
    fixed = _path_values(operation, live.ids) if mode is GenerationMode.POSITIVE and operation.path_params else {}
    body = {}
    if mode is GenerationMode.POSITIVE and (operation.method, operation.path) in VALID_BODIES:
        ids = {"movies": live.ids["movies"][0]}
        body = {"body": VALID_BODIES[operation.method, operation.path](ids), "media_type": "application/json"}

    @given(case=api_operation.as_strategy(generation_mode=mode, path_parameters=fixed or None, **body))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(base_url=live.base_url, session=session, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, f"no valid request could be generated for {operation}"
