"""Event v1 validation: the JSON Schema in activity/schema/event-v1.json plus the checks a schema
cannot express (clock skew, position within the duration)."""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema_rs

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "event-v1.json"
EVENT_TYPES = ("play", "progress", "pause", "stop", "heartbeat", "error")
MAX_BATCH = 500
# A client clock may run a little fast; beyond this an event is refused as "from the future".
MAX_CLOCK_SKEW = timedelta(minutes=5)
# Players queue events while offline; older ones no longer help resume or statistics.
MAX_EVENT_AGE = timedelta(days=7)
# Players report positions slightly past the end (rounding, the last frame).
POSITION_TOLERANCE = 5.0


@functools.cache
def event_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@functools.cache
def _validator():
    # jsonschema-rs: the same Draft 2020-12 semantics as the `jsonschema` package, compiled, about
    # 400x faster per event, which is what lets one core take thousands of events a second.
    return jsonschema_rs.Draft202012Validator(event_schema(), validate_formats=True)


def openapi_event_schema() -> dict:
    """The event schema as an OpenAPI component (JSON Schema keywords OpenAPI does not take removed)."""
    schema = copy.deepcopy(event_schema())
    for key in ("$schema", "$id", "$defs"):
        schema.pop(key, None)
    return schema


def openapi_batch_schema() -> dict:
    return {
        "type": "object",
        "required": ["events"],
        "additionalProperties": False,
        "properties": {"events": {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": openapi_event_schema()}},
    }


@dataclass(frozen=True)
class Rejection:
    code: str
    reason: str


# The fields only some event types may carry (the schema's allOf rules), for naming the culprit.
CONDITIONAL_FIELDS = {
    "reason": {"stop"},
    "error_code": {"error"},
    "error_message": {"error"},
    "fatal": {"error"},
}


def _describe(error, event: dict) -> str:
    where = "/".join(str(p) for p in error.instance_path)
    kind = type(error.kind).__name__
    message = error.message
    if kind == "AdditionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown field(s)")
    elif kind == "Not":
        present = [f for f, types in CONDITIONAL_FIELDS.items() if f in event and event.get("type") not in types]
        message = f"'{present[0] if present else 'field'}' is not allowed for a {event.get('type')!r} event"
    elif kind == "Required":
        message = message.replace("is a required property", "is required")
    if len(message) > 200:
        message = message[:200] + "..."
    return f"{where}: {message}" if where else message


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("a time zone offset is required")
    return parsed


def check_event(event, *, now: datetime) -> Rejection | None:
    """None when `event` is a valid v1 event, else why not (never raises on any JSON value)."""
    if not isinstance(event, dict):
        return Rejection("invalid", "an event must be a JSON object")
    try:
        error = next(iter(_validator().iter_errors(event)), None)
    except (ValueError, OverflowError) as exc:  # numbers JSON Schema tools cannot represent
        return Rejection("invalid", f"unsupported value: {str(exc)[:100]}")
    if error is not None:
        return Rejection("invalid", _describe(error, event))
    if not isinstance(event["movie_id"], int):
        # JSON Schema counts 7.0 as an integer; ids are integers only, written as such.
        return Rejection("invalid", f"movie_id: {event['movie_id']!r} is not an integer")
    try:
        occurred_at = parse_time(event["occurred_at"])
    except ValueError as exc:
        return Rejection("invalid", f"occurred_at: not an RFC 3339 time ({exc})")
    if occurred_at > now + MAX_CLOCK_SKEW:
        return Rejection("future_timestamp", "occurred_at: more than 5 minutes in the future")
    if occurred_at < now - MAX_EVENT_AGE:
        return Rejection("stale_timestamp", "occurred_at: more than 7 days in the past")
    duration = event.get("duration")
    if duration is not None and event["position"] > duration + POSITION_TOLERANCE:
        return Rejection("invalid", "position: beyond the duration")
    return None
