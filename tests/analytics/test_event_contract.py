"""The v1.1 additions to the event contract: startup time, stalls, rendition, fatal; v1.0 events still valid."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from activity.validation import check_event
from tests.activity.conftest import iso, make_event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)


def event(**overrides) -> dict:
    e = make_event(7, occurred_at=NOW - timedelta(seconds=30), type=overrides.pop("type", "progress"))
    e.update(overrides)
    return e


STALL = {"start": iso(NOW - timedelta(seconds=40)), "duration": 2.5}


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # a v1.0 event: none of the new fields
        {"type": "play", "startup_time": 0.8},
        {"type": "progress", "startup_time": 0, "rendition": "720p"},
        {"type": "pause", "startup_time": 2.5},  # the viewer paused before the next progress
        {"type": "stop", "reason": "user_exit", "startup_time": 0.4},
        {"type": "heartbeat", "stalls": [STALL, {**STALL, "duration": 0.1}]},
        {"type": "progress", "stalls": [], "rendition": {"height": 1080, "bitrate": 4_500_000}},
        {"type": "progress", "rendition": {"height": 480}},
        {"type": "error", "error_code": "MEDIA_ERR_NETWORK", "fatal": True},
        {"type": "error", "error_code": "MEDIA_ERR_NETWORK", "fatal": False},
        {"type": "error", "error_code": "MEDIA_ERR_NETWORK"},  # a v1.0 error: no fatal flag
        {"type": "stop", "reason": "error", "stalls": [STALL]},
    ],
)
def test_valid_v1_1_events(overrides):
    assert check_event(event(**overrides), now=NOW) is None


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"type": "progress", "fatal": True}, "'fatal' is not allowed for a 'progress' event"),
        ({"startup_time": -1}, "startup_time"),
        ({"startup_time": 601}, "startup_time"),
        ({"startup_time": "1s"}, "startup_time"),
        ({"stalls": [{"start": "yesterday", "duration": 1}]}, "stalls"),
        ({"stalls": [{"start": STALL["start"], "duration": 0}]}, "stalls"),
        ({"stalls": [{"start": STALL["start"]}]}, "stalls"),
        ({"stalls": [{**STALL, "position": 3}]}, "stalls"),
        ({"stalls": [STALL] * 101}, "stalls"),
        ({"rendition": ""}, "rendition"),
        ({"rendition": {"bitrate": 100}}, "rendition"),
        ({"rendition": {"height": 720, "codec": "h264"}}, "rendition"),
        ({"type": "error", "error_code": "E", "fatal": "yes"}, "fatal"),
    ],
)
def test_invalid_v1_1_fields_are_rejected_naming_the_field(overrides, fragment):
    rejection = check_event(event(**overrides), now=NOW)
    assert rejection is not None and rejection.code == "invalid"
    assert fragment in rejection.reason


def test_a_reason_on_a_non_stop_event_is_still_named_as_such():
    rejection = check_event(event(type="error", error_code="E", fatal=True, reason="error"), now=NOW)
    assert "'reason' is not allowed for a 'error' event" in rejection.reason
