"""The demo viewing history: plausible playback sessions over the last weeks, as v1.1 events.

Deterministic for a seed (event and session ids too), so a run cut short and started again sends
the same events, which ingest stores once. Progress is reported every 3 minutes of video here (the
real player says every 10 s): coarser, so a month of history stays a few tens of thousands of
events, and just as good for retention at 5 % steps of a feature film.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PROGRESS_STEP = 180.0
RENDITIONS = [("1080p", 1080, 5_000_000), ("720p", 720, 2_800_000), ("480p", 480, 1_200_000)]


@dataclass
class DemoSession:
    session_id: str
    movie_id: int
    ends_at: datetime
    events: list[dict] = field(default_factory=list)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Builder:
    def __init__(self, rng: random.Random, *, movie_id: int, duration: float, viewer_id: str, start: datetime):
        self.rng = rng
        self.session = DemoSession(str(uuid.UUID(int=rng.getrandbits(128), version=4)), movie_id, start)
        self.base = {"movie_id": movie_id, "session_id": self.session.session_id, "viewer_id": viewer_id, "duration": duration}
        self.clock = start
        self.position = 0.0
        self.rendition = rng.choices(RENDITIONS, weights=[5, 4, 1])[0]
        self.pending_stalls: list[dict] = []

    def emit(self, kind: str, **extra) -> None:
        event = {
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "type": kind,
            **self.base,
            "position": round(min(self.position, self.base["duration"]), 3),
            "occurred_at": _iso(self.clock),
            **extra,
        }
        if kind in ("play", "progress", "heartbeat"):
            name, height, bitrate = self.rendition
            event["rendition"] = name if self.rng.random() < 0.5 else {"height": height, "bitrate": bitrate}
        if self.pending_stalls and kind != "play":
            event["stalls"], self.pending_stalls = self.pending_stalls, []
        self.session.events.append(event)
        self.session.ends_at = self.clock

    def wait(self, seconds: float) -> None:
        self.clock += timedelta(seconds=seconds)


def simulate_session(rng: random.Random, *, movie_id: int, duration: float, viewer_id: str, start: datetime) -> DemoSession:
    """One session: a start (or a startup failure), watching with stalls, pauses and seeks, an exit."""
    b = _Builder(rng, movie_id=movie_id, duration=duration, viewer_id=viewer_id, start=start)
    if rng.random() < 0.12:  # a resume from where the viewer left off
        b.position = round(rng.uniform(0.1, 0.6) * duration, 1)
    b.emit("play")
    startup = min(30.0, rng.lognormvariate(math.log(1.1), 0.6))
    fate = rng.random()
    if fate < 0.035:  # the viewer gives up before the first frame
        b.wait(startup + rng.uniform(2, 10))
        b.emit("stop", reason="user_exit")
        return b.session
    if fate < 0.05:  # the video never starts
        b.wait(startup)
        b.emit("error", error_code=rng.choice(["MEDIA_ERR_SRC_NOT_SUPPORTED", "MEDIA_ERR_NETWORK"]), fatal=True)
        b.emit("stop", reason="error")
        return b.session
    b.wait(startup)
    b.emit("progress", startup_time=round(startup, 3))

    # Where the viewer stops: many leave early, a good share finishes.
    if rng.random() < 0.35:
        leave_at = duration
    else:
        leave_at = min(duration, b.position + rng.expovariate(1 / (0.3 * duration)))
    stall_rate = rng.choice([0.0, 0.0, 0.005, 0.02, 0.06])  # stalls per second of playing: most sessions are clean
    paused = seeked = False
    while b.position < leave_at:
        step = min(PROGRESS_STEP, leave_at - b.position)
        b.position += step
        b.wait(step)
        if rng.random() < stall_rate * step:
            length = round(rng.uniform(0.4, 1.0) * rng.choice([1, 2, 4, 8]), 2)
            b.pending_stalls.append({"start": _iso(b.clock - timedelta(seconds=rng.uniform(1, step))), "duration": length})
            b.wait(length)
        if rng.random() < 0.01:  # a network switch
            b.rendition = rng.choice(RENDITIONS)
        if b.position >= duration:
            b.emit("stop", reason="finished")
            return b.session
        if rng.random() < 0.0008:  # the player dies mid-film
            b.emit("error", error_code="MEDIA_ERR_DECODE", fatal=True)
            b.emit("stop", reason="error")
            return b.session
        b.emit("progress")
        if rng.random() < 0.004:
            b.emit("error", error_code="MEDIA_ERR_NETWORK", error_message="segment retried", fatal=False)
        if not paused and rng.random() < 0.02:
            paused = True
            b.emit("pause")
            b.wait(rng.uniform(30, 600))
            b.emit("play")
        if not seeked and rng.random() < 0.01:
            seeked = True
            # Back to see a scene again (a rewatched segment), or forward past a slow part.
            jump = -rng.uniform(60, 300) if rng.random() < 0.6 else rng.uniform(120, 600)
            b.position = max(0.0, min(leave_at, b.position + jump))
            b.wait(1)
            b.emit("progress")
    b.wait(rng.uniform(1, 5))
    b.emit("stop", reason="user_exit")
    return b.session


def simulate_history(*, movies: list[tuple[int, float]], sessions: int, days: int, now: datetime, seed: int) -> list[DemoSession]:
    """`sessions` sessions over the `days` days before `now`, more in the evening and lately, on a
    few popular movies and a long tail; finished before `now`, sorted by their end."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(movies))]
    viewers = [f"demo-viewer-{n}" for n in range(max(50, sessions // 4))]
    history = []
    for _ in range(sessions):
        movie_id, duration = rng.choices(movies, weights=weights)[0]
        day_back = min(days - 1, int(rng.expovariate(1 / (days / 2.5))))
        hour = rng.choices(range(24), weights=[2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 7, 9, 10, 9, 6, 3])[0]
        start = (now - timedelta(days=day_back)).replace(hour=hour, minute=0, second=0, microsecond=0)
        start += timedelta(seconds=rng.uniform(0, 3600))
        session = simulate_session(rng, movie_id=movie_id, duration=duration, viewer_id=rng.choice(viewers), start=start)
        if session.ends_at < now - timedelta(minutes=1):
            history.append(session)
    history.sort(key=lambda s: s.ends_at)
    return history
