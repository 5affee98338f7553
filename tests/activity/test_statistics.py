"""Statistics from consumed messages: plays after 10 s, watch time from watched sections (seeks and
pauses excluded), unique viewers, completions, errors, and redelivery that never counts twice."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from activity.models import MovieDailyStats
from activity.kafka import build_message as kafka_message
from activity.rules import watched_section
from activity.services.statistics import ConsumedEvent, apply_consumed_events
from tests.activity.conftest import iso, make_event, playback
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def consumed(events, received_at=T0):
    return [
        ConsumedEvent(json.loads(kafka_message(e, viewer_key=f"anon:{e['viewer_id']}", received_at=iso(received_at))))
        for e in events
    ]


def stats(movie, day=T0.date()) -> MovieDailyStats:
    return MovieDailyStats.objects.get(movie=movie, day=day)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_watched_section_rules():
    kw = dict(previous_position=100.0, previous_at=T0)
    assert watched_section(previous_type="progress", position=110.0, at=at(10), **kw) == 10.0
    assert watched_section(previous_type="heartbeat", position=120.0, at=at(10), **kw) == 20.0  # 2x speed
    assert watched_section(previous_type="progress", position=400.0, at=at(10), **kw) == 0.0  # seek forward
    assert watched_section(previous_type="progress", position=50.0, at=at(10), **kw) == 0.0  # seek back
    assert watched_section(previous_type="pause", position=110.0, at=at(10), **kw) == 0.0  # paused before
    assert watched_section(previous_type="progress", position=110.0, at=at(-10), **kw) == 0.0  # clock went back


def test_a_full_session_counts_one_play_its_watch_time_and_a_completion():
    movie = MovieFactory()
    events = playback(movie.pk, seconds=60, duration=60.0, start=T0, finish="finished")
    assert apply_consumed_events(consumed(events)) == len(events)
    s = stats(movie)
    assert (s.plays, s.starts, s.unique_viewers, s.completions, s.errors) == (1, 1, 1, 1, 0)
    assert s.watch_seconds == pytest.approx(60.0)


def test_under_ten_seconds_is_a_start_but_not_a_play():
    movie = MovieFactory()
    apply_consumed_events(consumed(playback(movie.pk, seconds=8, step=4, start=T0)))
    s = stats(movie)
    assert (s.starts, s.plays) == (1, 0) and s.watch_seconds == pytest.approx(8.0)


def test_pauses_and_seeks_are_not_watch_time():
    movie = MovieFactory()
    sid = str(uuid.uuid4())
    ev = lambda t, kind, pos: make_event(movie.pk, type=kind, position=pos, session_id=sid, occurred_at=at(t), duration=3600.0)  # noqa: E731
    events = [
        ev(0, "play", 0.0),
        ev(10, "progress", 10.0),  # +10 watched
        ev(15, "pause", 15.0),  # +5 watched
        ev(600, "play", 15.0),  # ten minutes paused: nothing
        ev(610, "progress", 25.0),  # +10
        ev(612, "progress", 1800.0),  # seek: nothing
        ev(622, "heartbeat", 1810.0),  # +10
        ev(630, "stop", 1818.0),  # +8
    ]
    apply_consumed_events(consumed(events))
    assert stats(movie).watch_seconds == pytest.approx(43.0)
    assert stats(movie).plays == 1


def test_redelivered_messages_do_not_count_twice():
    movie = MovieFactory()
    events = consumed(playback(movie.pk, seconds=30, start=T0))
    assert apply_consumed_events(events) == len(events)
    before = stats(movie)
    assert apply_consumed_events(events) == 0
    assert apply_consumed_events(events[:3] + events) == 0
    after = stats(movie)
    assert (after.plays, after.starts, after.watch_seconds, after.unique_viewers) == (
        before.plays, before.starts, before.watch_seconds, before.unique_viewers)


def test_a_session_split_over_batches_counts_the_same():
    movie_a, movie_b = MovieFactory.create_batch(2)
    events_a = consumed(playback(movie_a.pk, seconds=100, start=T0))
    events_b = consumed(playback(movie_b.pk, seconds=100, start=T0))
    apply_consumed_events(events_a)
    for chunk in range(0, len(events_b), 3):
        apply_consumed_events(events_b[chunk:chunk + 3])
    a, b = stats(movie_a), stats(movie_b)
    assert (a.plays, a.watch_seconds, a.unique_viewers) == (b.plays, b.watch_seconds, b.unique_viewers) == (1, 100.0, 1)


def test_unique_viewers_errors_and_days():
    movie = MovieFactory()
    day2 = T0 + timedelta(days=1)
    apply_consumed_events(consumed(playback(movie.pk, seconds=20, viewer_id="v1", start=T0)))
    apply_consumed_events(consumed(playback(movie.pk, seconds=20, viewer_id="v1", start=T0)))
    apply_consumed_events(consumed(playback(movie.pk, seconds=20, viewer_id="v2", start=T0)))
    apply_consumed_events(consumed([make_event(movie.pk, type="error", position=3.0, occurred_at=T0)]))
    apply_consumed_events(consumed(playback(movie.pk, seconds=20, viewer_id="v1", start=day2), received_at=day2))
    s1, s2 = stats(movie), stats(movie, day2.date())
    assert (s1.plays, s1.unique_viewers, s1.errors, s1.watch_seconds) == (3, 2, 1, 60.0)
    assert (s2.plays, s2.unique_viewers) == (1, 1)


def test_events_of_deleted_movies_are_skipped():
    movie = MovieFactory()
    events = consumed(playback(movie.pk, seconds=20, start=T0))
    movie.delete()
    assert apply_consumed_events(events) == 0
    assert not MovieDailyStats.objects.exists()
