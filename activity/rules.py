"""The viewing rules every part of the activity app shares: when a film counts as watched and when a
position is worth resuming (ingest, statistics and the resume reads all use these)."""

from __future__ import annotations

from datetime import datetime

# At 90 % of the runtime (or a `stop` with reason `finished`) a film counts as watched: it is a
# completion in the statistics and leaves "continue watching".
WATCHED_FRACTION = 0.9
# Under 5 % of the film, starting over is what the viewer wants: no resume offered.
RESUME_MIN_FRACTION = 0.05
# Events that mean the video was playing up to them.
PLAYING = {"play", "progress", "heartbeat"}
# Playback can run faster than real time (2x speed) and clocks jitter; a bigger jump is a seek.
MAX_SPEED = 2.0
JITTER = 2.0
# Without a known duration, a position past a minute is worth resuming.
RESUME_MIN_SECONDS_UNKNOWN_DURATION = 60.0


def is_watched(*, position: float, duration: float | None, finished: bool = False) -> bool:
    return finished or (duration is not None and duration > 0 and position >= WATCHED_FRACTION * duration)


def is_resumable(*, position: float, duration: float | None, watched: bool) -> bool:
    if watched:
        return False
    if duration:
        return RESUME_MIN_FRACTION * duration <= position < WATCHED_FRACTION * duration
    return position >= RESUME_MIN_SECONDS_UNKNOWN_DURATION


def watched_section(*, previous_type: str, previous_position: float, previous_at: datetime, position: float, at: datetime) -> float:
    """Seconds of video watched between two consecutive events of a session (0 for pauses and seeks)."""
    if previous_type not in PLAYING:
        return 0.0
    elapsed = (at - previous_at).total_seconds()
    advanced = position - previous_position
    if elapsed < 0 or advanced <= 0 or advanced > elapsed * MAX_SPEED + JITTER:
        return 0.0
    return advanced
