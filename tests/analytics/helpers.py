"""Builders of activity messages for the analytics tests: a session scripted second by second."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from activity.kafka import build_message
from tests.activity.conftest import iso

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


class Session:
    """Events of one session; `at` is seconds of wall time after T0 (the client clock)."""

    def __init__(self, movie_id: int = 1, *, duration: float | None = 600.0, viewer_id: str = "browser-1", start: datetime = T0):
        self.movie_id, self.duration, self.viewer_id, self.start = movie_id, duration, viewer_id, start
        self.session_id = str(uuid.uuid4())
        self.events: list[dict] = []

    def event(self, type: str, *, at: float, position: float, **extra) -> Session:
        event = {
            "event_id": str(uuid.uuid4()),
            "type": type,
            "movie_id": self.movie_id,
            "session_id": self.session_id,
            "viewer_id": self.viewer_id,
            "position": position,
            "occurred_at": iso(self.start + timedelta(seconds=at)),
        }
        if self.duration is not None:
            event["duration"] = self.duration
        event.update(extra)
        self.events.append(event)
        return self

    def play(self, *, at: float = 0, position: float = 0, **extra) -> Session:
        return self.event("play", at=at, position=position, **extra)

    def progress(self, *, at: float, position: float, **extra) -> Session:
        return self.event("progress", at=at, position=position, **extra)

    def stop(self, *, at: float, position: float, reason: str = "user_exit") -> Session:
        return self.event("stop", at=at, position=position, reason=reason)

    def stall(self, *, at: float, duration: float) -> dict:
        return {"start": iso(self.start + timedelta(seconds=at)), "duration": duration}

    def messages(self, *, received_at: datetime | None = None) -> list[dict]:
        received = iso(received_at or self.start)
        return [json.loads(build_message(e, viewer_key=f"anon:{e['viewer_id']}", received_at=received)) for e in self.events]
