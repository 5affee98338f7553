"""schemathesis over our own OpenAPI schema (/api/schema/), in-process against the WSGI app.

Every operation gets bounded generated requests (valid and invalid): no answer may be a 5xx, and every
answer must match the schema (documented status code, content type, headers, body).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import CreditFactory, EditorFactory, MovieFactory, OverrideFactory, PersonFactory
from tests.security.endpoints import api_operations, openapi_schema, path_values
from tests.streaming.conftest import store_asset, store_media, use_filesystem

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
MAX_EXAMPLES = 10  # per operation and mode: the suite stays around a minute


@pytest.fixture
def unthrottled(settings):
    """Fuzzing sends far more requests a minute than a person would; throttles are tested elsewhere."""
    from django.core.cache import cache

    from core.api import SearchRateThrottle

    rates = {scope: "1000000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    from rest_framework.throttling import SimpleRateThrottle

    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    SearchRateThrottle.THROTTLE_RATES = rates
    cache.clear()
    yield
    SimpleRateThrottle.THROTTLE_RATES = saved
    SearchRateThrottle.THROTTLE_RATES = saved
    cache.clear()


@pytest.fixture
def in_process_wsgi(db):
    """Calling the WSGI app directly fires request_finished, which would close the test's connection
    (and its transaction); Django's own test client unhooks the same handler."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_data(in_process_wsgi, unthrottled, settings, tmp_path) -> dict[str, int]:
    """A few movies with credits and overrides, so detail operations also find something; their ids.
    The last one has a video, a poster and seek previews (their paths name the image's width and the
    track's sheet after the id: keyed here by the parameter before them)."""
    for _ in range(3):
        movie = MovieFactory()
        CreditFactory(movie=movie, person=PersonFactory())
        override = OverrideFactory(movie=movie)
    use_filesystem(settings, tmp_path / "objects")
    store_asset(movie, b"fuzz-video-bytes" * 10)
    poster, track = store_media(movie)
    ids = {"movies": movie.pk, "people": movie.credits.first().person_id, "overrides": override.pk,
           "images": poster.pk, "{image_id}": poster.width, "trickplay": track.pk, "{track_id}": 0}
    # /api/v1/me/list/{movie_id}, /me/history/{movie_id}; /me/sessions/{id} finds none (a 404).
    return {**ids, "list": movie.pk, "history": movie.pk, "sessions": 1}


def _load_schema():
    # Generated in-process (what /api/schema/ serves); requests go to the WSGI app, no server needed.
    from cinema_project.wsgi import application

    loaded = schemathesis.openapi.from_dict(openapi_schema())
    loaded.app = application
    return loaded


schema = _load_schema()


def _event_batch(ids: dict[str, int]) -> dict:
    import uuid
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    session = str(uuid.uuid4())
    return {"events": [
        {"event_id": str(uuid.uuid4()), "type": "play", "movie_id": ids["movies"], "session_id": session,
         "viewer_id": "fuzz", "position": 0, "occurred_at": now, "duration": 60},
        {"event_id": str(uuid.uuid4()), "type": "stop", "movie_id": ids["movies"], "session_id": session,
         "viewer_id": "fuzz", "position": 12.5, "occurred_at": now, "reason": "user_exit"},
    ]}


# Valid bodies the generator cannot find on its own: the event schema's per-type rules (if/then) make
# hypothesis-jsonschema reject every candidate. Invalid bodies are still generated (negative mode).
VALID_BODIES = {("post", "/api/v1/activity/events"): _event_batch}


@pytest.fixture
def editor_token(db):
    return Token.objects.create(user=EditorFactory(username="fuzz-editor")).key


# Parametrized by hand (not with schema.parametrize()): schemathesis 4.32 names its items through a
# pytest attribute that pytest 9 dropped, so every item would share one node id and pytest-xdist
# would run only one of them.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("operation", api_operations(), ids=str)
def test_every_operation_conforms_to_the_schema(operation, mode, fuzz_data, editor_token):
    api_operation = schema[operation.path][operation.method.upper()]
    fixed = {}
    if mode is GenerationMode.POSITIVE and operation.path_params:
        fixed = path_values(operation, fuzz_data)  # real objects, so detail operations get past 404
    headers = {"Authorization": f"Token {editor_token}"}
    body = {}
    if mode is GenerationMode.POSITIVE and (operation.method, operation.path) in VALID_BODIES:
        body = {"body": VALID_BODIES[operation.method, operation.path](fuzz_data), "media_type": "application/json"}

    @given(case=api_operation.as_strategy(generation_mode=mode, path_parameters=fixed or None, **body))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # Only invalid requests can be unsatisfiable here: an operation whose inputs are all free-form
        # (an optional unconstrained header, say) has no invalid request to send.
        assert mode is GenerationMode.NEGATIVE, f"no valid request could be generated for {operation}"
