"""The definitions of the playback-quality and retention figures, as pure functions (no database).

QoE follows Mux Data's definitions: video startup time runs from the play request to the first
frame with the playhead moving, and a session that ends before that frame is a startup failure
(it has no startup time); rebuffering percentage is stalled time over watch time, where watch time
is time playing plus time stalled, with overlapping stall reports merged; rebuffer frequency is
stalls per minute of watch time; a playback failure is a session ended by a fatal error (warnings
do not count); the rendition share is weighted by the time played in it.

Retention is read from watched intervals (positions the player reported, cut wherever the
position jumps), so a seek back counts the rewatched part twice and a seek forward skips a gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from activity.rules import is_watched, watched_section
from activity.validation import parse_time

RETENTION_STEP = 0.05  # a point every 5 % of the runtime
RETENTION_POINTS = 21  # 0 %, 5 %, ..., 100 %
COVER_TOLERANCE = 1.0  # seconds: the player reports positions rounded, and stops a hair before the end
MAX_SEGMENTS = 400  # per session; beyond this the oldest are merged (a pathological seeker)
MAX_STALLS = 400


@dataclass
class SessionState:
    """What one session has shown so far: the fields of analytics.models.SessionSummary that change."""

    duration: float | None = None
    has_play: bool = False
    first_frame: bool = False
    startup_time: float | None = None
    ended: bool = False
    fatal: bool = False
    error_code: str = ""
    completed: bool = False
    last_type: str = ""
    last_position: float = 0.0
    last_occurred_at: datetime | None = None
    rendition: str = ""
    watch_seconds: float = 0.0
    stall_seconds: float = 0.0
    stall_count: int = 0
    segments: list = field(default_factory=list)  # [[from, to], ...] positions watched, in watching order
    stalls: list = field(default_factory=list)  # [[start, end], ...] epoch seconds, merged, sorted
    rendition_seconds: dict = field(default_factory=dict)

    @property
    def startup_failure(self) -> bool:
        """A play request that ended before the first frame (an exit or an error, not a slow start)."""
        return self.has_play and self.ended and not self.first_frame


def rendition_label(message: dict) -> str:
    """"720p" from `rendition` (a label or {height, bitrate}), else the v1.0 `quality` field, else ""."""
    rendition = message.get("rendition")
    if isinstance(rendition, str):
        return rendition
    if isinstance(rendition, dict) and rendition.get("height"):
        return f"{int(rendition['height'])}p"
    quality = message.get("quality")
    return quality if isinstance(quality, str) else ""


def merge_intervals(intervals: Iterable[Iterable[float]]) -> list[list[float]]:
    """Overlapping or touching intervals joined, sorted by start."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def add_stall(state: SessionState, *, start: datetime, duration: float) -> None:
    """Record a stall; one reported twice, or overlapping another, counts its time once."""
    begin = start.timestamp()
    state.stalls = merge_intervals([*state.stalls, [begin, begin + duration]])
    if len(state.stalls) > MAX_STALLS:
        state.stalls = state.stalls[-MAX_STALLS:]
    state.stall_count = len(state.stalls)
    state.stall_seconds = sum(end - begin for begin, end in state.stalls)


def _add_segment(state: SessionState, start: float, end: float) -> None:
    if state.segments and abs(state.segments[-1][1] - start) < 1e-6:
        state.segments[-1][1] = end  # playing on: the same interval grows
    else:
        state.segments.append([start, end])
    if len(state.segments) > MAX_SEGMENTS:
        state.segments = merge_intervals(state.segments)[-MAX_SEGMENTS:]


def apply_event(state: SessionState, message: dict) -> None:
    """Fold one event (a Kafka message of the v1.x contract) into the session's state."""
    kind = message["type"]
    at = parse_time(message["occurred_at"])
    position = float(message["position"])
    if message.get("duration"):
        state.duration = float(message["duration"])
    if kind == "play":
        state.has_play = True
    startup = message.get("startup_time")
    if startup is not None and state.startup_time is None:
        state.startup_time = float(startup)
        state.first_frame = True
    for stall in message.get("stalls") or ():
        add_stall(state, start=parse_time(stall["start"]), duration=float(stall["duration"]))
    label = rendition_label(message)

    if state.last_occurred_at is None:
        state.last_type, state.last_position, state.last_occurred_at = kind, position, at
    elif at >= state.last_occurred_at:
        section = watched_section(
            previous_type=state.last_type, previous_position=state.last_position, previous_at=state.last_occurred_at,
            position=position, at=at,
        )
        if section > 0:
            _add_segment(state, state.last_position, position)
            state.watch_seconds += section
            playing = state.rendition or label or "unknown"
            state.rendition_seconds[playing] = state.rendition_seconds.get(playing, 0.0) + section
            # Old (v1.0) players send no startup time: the playhead moving is their first frame.
            state.first_frame = True
        state.last_type, state.last_position, state.last_occurred_at = kind, position, at
    if label:
        state.rendition = label

    if kind == "error" and message.get("fatal") is True:
        state.fatal, state.ended = True, True
        state.error_code = message.get("error_code", "")[:64]
    if kind == "stop":
        state.ended = True
        if message.get("reason") == "error":
            # A session the player stopped because of an error ended in a failure (v1.0 players
            # say so only this way); a warning the player recovered from is followed by no such stop.
            state.fatal = True
    finished = kind == "stop" and message.get("reason") == "finished"
    if is_watched(position=position, duration=state.duration, finished=finished) and (finished or state.watch_seconds > 0):
        state.completed = True


# --- Aggregates over sessions (the same rules the SQL selectors apply, kept here for the tests) ---


def rebuffer_percentage(*, stall_seconds: float, watch_seconds: float) -> float | None:
    """Stalled time over watch time (playing + stalled), in percent; None without any watch time."""
    total = watch_seconds + stall_seconds
    return 100.0 * stall_seconds / total if total > 0 else None


def rebuffer_frequency(*, stall_count: int, watch_seconds: float, stall_seconds: float = 0.0) -> float | None:
    """Stalls per minute of watch time; None without any watch time."""
    total = watch_seconds + stall_seconds
    return stall_count / (total / 60.0) if total > 0 else None


def percent(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def _covers(segments: list, point: float) -> int:
    return sum(1 for start, end in segments if start - COVER_TOLERANCE <= point <= end + COVER_TOLERANCE)


def retention_points(duration: float) -> list[float]:
    return [min(duration, i * RETENTION_STEP * duration) for i in range(RETENTION_POINTS)]


@dataclass
class Retention:
    sessions: int
    still_watching: list[float]  # share (0..1) at each 5 % point, 0 % to 100 %
    rewatched: list[float]  # share (0..1) of sessions that watched each 5 % segment more than once
    completion_rate: float | None


def retention(sessions: Iterable[tuple[list, float | None, bool]]) -> Retention:
    """Audience retention from (segments, duration, completed) per session; sessions without a known
    duration or without anything watched tell nothing about where viewers drop off and are left out."""
    counted = 0
    completed = 0
    watching = [0] * RETENTION_POINTS
    rewatching = [0] * (RETENTION_POINTS - 1)
    for segments, duration, done in sessions:
        if not duration or not segments:
            continue
        counted += 1
        completed += bool(done)
        for i, point in enumerate(retention_points(duration)):
            if _covers(segments, point):
                watching[i] += 1
        for i in range(RETENTION_POINTS - 1):
            middle = (i + 0.5) * RETENTION_STEP * duration
            # Tolerance 0 here: touching intervals (played on) are not a rewatch.
            if sum(1 for start, end in segments if start <= middle <= end) >= 2:
                rewatching[i] += 1
    return Retention(
        sessions=counted,
        still_watching=[n / counted if counted else 0.0 for n in watching],
        rewatched=[n / counted if counted else 0.0 for n in rewatching],
        completion_rate=completed / counted if counted else None,
    )
