"""The activity message on Kafka: the validated event v1 plus the server's fields, its headers,
and the check a consumer makes before trusting a message (`$defs/kafka_message` in the schema)."""

from __future__ import annotations

import json
from dataclasses import dataclass

SCHEMA_VERSION = 1
# What the statistics read; a message without them is not an activity event v1 message.
REQUIRED_FIELDS = frozenset({"event_id", "type", "movie_id", "session_id", "viewer_id", "position", "occurred_at", "received_at"})


class InvalidMessage(ValueError):
    """A consumed message that is not an activity event v1 message."""


@dataclass
class ConsumedEvent:
    message: dict
    traceparent: str = ""


# One encoder for every message: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def build_message(event: dict, *, viewer_key: str, received_at: str, closed_by_server: bool = False) -> str:
    """The Kafka message of an event: the validated event plus the server fields (JSON text)."""
    message = {**event, "received_at": received_at, "schema_version": SCHEMA_VERSION, "viewer_key": viewer_key}
    if closed_by_server:
        message["closed_by_server"] = True
    return _ENCODER.encode(message)


def message_headers(*, event_type: str, traceparent: str) -> dict[str, str]:
    headers = {"event_type": event_type, "schema_version": str(SCHEMA_VERSION)}
    if traceparent:
        headers["traceparent"] = traceparent
    return headers


def parse_message(value: bytes | None, *, traceparent: str = "") -> ConsumedEvent:
    """The consumed message as an event, or InvalidMessage."""
    try:
        payload = json.loads(value) if value is not None else None
    except (ValueError, TypeError) as exc:
        raise InvalidMessage(f"not JSON: {exc}") from None
    if not isinstance(payload, dict) or not REQUIRED_FIELDS <= payload.keys():
        raise InvalidMessage("not an activity event v1 message")
    if payload.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise InvalidMessage(f"schema_version {payload.get('schema_version')!r}: this consumer reads version {SCHEMA_VERSION}")
    return ConsumedEvent(payload, traceparent)
