"""The viewing rules every part of the activity app shares: when a film counts as watched and when a
position is worth resuming (ingest, statistics and the resume reads all use these)."""

from __future__ import annotations

# At 90 % of the runtime (or a `stop` with reason `finished`) a film counts as watched: it is a
# completion in the statistics and leaves "continue watching".
WATCHED_FRACTION = 0.9
# Under 5 % of the film, starting over is what the viewer wants: no resume offered.
RESUME_MIN_FRACTION = 0.05
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
