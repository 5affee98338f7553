"""Event v1 validation: the JSON Schema file and the checks beyond it (pure logic, no services)."""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activity.validation import EVENT_TYPES, SCHEMA_PATH, check_event, event_schema, openapi_batch_schema
from tests.activity.conftest import iso, make_event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
REQUIRED = ["event_id", "type", "movie_id", "session_id", "viewer_id", "position", "occurred_at"]


def event(**overrides) -> dict:
    e = make_event(7, occurred_at=NOW - timedelta(seconds=30))
    if overrides.get("type") == "stop":
        e["reason"] = "user_exit"
    if overrides.get("type") == "error":
        e["error_code"] = "MEDIA_ERR_DECODE"
    e.update(overrides)
    return e


def test_schema_file_is_valid_json_schema_with_the_six_types():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["type"]["enum"] == list(EVENT_TYPES)
    assert sorted(schema["required"]) == sorted(REQUIRED)
    assert "$defs" not in openapi_batch_schema()["properties"]["events"]["items"]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_each_type_valid(event_type):
    assert check_event(event(type=event_type, duration=100.0, quality="720p"), now=NOW) is None


@pytest.mark.parametrize("field", REQUIRED)
def test_missing_required_field_is_rejected_naming_it(field):
    e = event()
    del e[field]
    rejection = check_event(e, now=NOW)
    assert rejection.code == "invalid"
    assert field in rejection.reason


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"type": "rewind"}, "type"),
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"session_id": 42}, "session_id"),
        ({"movie_id": "7"}, "movie_id"),
        ({"movie_id": 0}, "movie_id"),
        ({"movie_id": True}, "movie_id"),
        ({"position": -1}, "position"),
        ({"position": 10**9}, "position"),
        ({"position": "12"}, "position"),
        ({"duration": 0}, "duration"),
        ({"viewer_id": ""}, "viewer_id"),
        ({"viewer_id": "x" * 65}, "viewer_id"),
        ({"viewer_id": "a/b"}, "viewer_id"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-24T12:00:00"}, "occurred_at"),  # no offset: not RFC 3339
        ({"surprise": 1}, "surprise"),
        ({"reason": "finished"}, "reason"),  # reason is for stop only
        ({"error_code": "E1"}, "error_code"),  # error fields are for error only
    ],
)
def test_bad_field_is_rejected_with_its_name(overrides, fragment):
    rejection = check_event(event(**overrides), now=NOW)
    assert rejection is not None and rejection.code == "invalid"
    assert fragment in rejection.reason


def test_error_needs_error_code_and_stop_takes_only_known_reasons():
    e = event(type="error")
    del e["error_code"]
    assert "error_code" in check_event(e, now=NOW).reason
    assert "reason" in check_event(event(type="stop", reason="bored"), now=NOW).reason
    assert check_event(event(type="stop", reason="finished"), now=NOW) is None


def test_time_window_and_position_within_duration():
    assert check_event(event(occurred_at=iso(NOW + timedelta(minutes=10))), now=NOW).code == "future_timestamp"
    assert check_event(event(occurred_at=iso(NOW + timedelta(minutes=2))), now=NOW) is None
    assert check_event(event(occurred_at=iso(NOW - timedelta(days=8))), now=NOW).code == "stale_timestamp"
    assert "duration" in check_event(event(position=500.0, duration=100.0), now=NOW).reason
    assert check_event(event(position=101.0, duration=100.0), now=NOW) is None  # end-of-video rounding


@pytest.mark.parametrize("value", [None, 1, "x", [], [{}]])
def test_non_object_event_is_rejected(value):
    assert check_event(value, now=NOW).code == "invalid"


# --- Properties ----------------------------------------------------------------------------------

valid_events = st.fixed_dictionaries(
    {
        "event_id": st.uuids().map(str),
        "type": st.sampled_from(["play", "progress", "pause", "heartbeat"]),
        "movie_id": st.integers(min_value=1, max_value=2**63 - 1),
        "session_id": st.uuids().map(str),
        "viewer_id": st.text(alphabet="abcXYZ019._:-", min_size=1, max_size=64),
        "position": st.floats(min_value=0, max_value=172800, allow_nan=False),
        "occurred_at": st.integers(min_value=-7 * 86400 + 1, max_value=300).map(lambda s: iso(NOW + timedelta(seconds=s))),
    },
    optional={"quality": st.sampled_from(["480p", "720p", "1080p"])},
)


@given(valid_events)
@settings(max_examples=200, deadline=None)
def test_property_generated_valid_events_are_accepted(e):
    assert check_event(e, now=NOW) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


@given(valid_events, st.sampled_from(REQUIRED + ["quality", "duration", "reason"]), json_values)
@settings(max_examples=300, deadline=None)
def test_property_any_field_mutation_never_raises_and_bad_values_are_rejected(e, field, value):
    mutated = {**e, field: value}
    rejection = check_event(mutated, now=NOW)  # never raises, whatever the value
    valid_here = {
        "event_id": lambda v: isinstance(v, str) and _is_uuid(v),
        "session_id": lambda v: isinstance(v, str) and _is_uuid(v),
        # JSON Schema counts 7.0 as an integer; ingest refuses it too (integers only).
        "movie_id": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() and 1 <= v <= 2**63 - 1,
        "position": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 172800,
        "type": lambda v: v in ("play", "progress", "pause", "heartbeat"),
        "reason": lambda v: False,  # not a stop
    }.get(field)
    if valid_here is not None and not valid_here(value):
        assert rejection is not None, (field, value)


@given(valid_events, st.sampled_from(REQUIRED))
@settings(max_examples=100, deadline=None)
def test_property_dropping_a_required_field_is_always_rejected(e, field):
    dropped = dict(e)
    del dropped[field]
    rejection = check_event(dropped, now=NOW)
    assert rejection is not None and field in rejection.reason


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def test_event_schema_is_cached_and_matches_file():
    assert event_schema() == json.loads(SCHEMA_PATH.read_text())
