"""record_events: messages folded into session summaries, once each, whatever the redelivery."""

from __future__ import annotations

import pytest

from analytics.models import SessionSummary
from analytics.services import record_events
from tests.analytics.helpers import T0, Session
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie():
    return MovieFactory()


def scripted(movie) -> Session:
    s = Session(movie.pk).play(at=0, rendition="720p").progress(at=2, position=0.5, startup_time=1.5)
    s.progress(at=20, position=16, stalls=[s.stall(at=5, duration=2)]).stop(at=30, position=26)
    return s


def test_a_session_is_summarised(movie):
    s = scripted(movie)
    record_events(s.messages())
    summary = SessionSummary.objects.get(session_id=s.session_id)
    assert summary.movie_id == movie.pk and summary.day == T0.date() and summary.viewer_key == "anon:browser-1"
    assert summary.startup_time == 1.5 and summary.has_play and summary.first_frame and summary.ended
    assert summary.stall_count == 1 and summary.stall_seconds == 2.0
    assert summary.watch_seconds == pytest.approx(26.0)
    assert summary.segments == [[0.0, 26.0]]
    assert summary.rendition_seconds == {"720p": pytest.approx(26.0)}


def test_redelivery_and_batches_in_any_split_count_once(movie):
    s = scripted(movie)
    messages = s.messages()
    record_events(messages[:2])
    record_events(messages[:3])  # the first two again: a redelivery
    record_events(messages + messages)  # everything, twice in one batch
    summary = SessionSummary.objects.get(session_id=s.session_id)
    assert summary.watch_seconds == pytest.approx(26.0)
    assert summary.stall_count == 1 and summary.stall_seconds == 2.0


def test_unknown_movies_are_skipped_and_empty_batches_accepted(movie):
    s = Session(movie.pk + 1000).play(at=0)
    record_events(s.messages())
    record_events([])
    assert not SessionSummary.objects.exists()


def test_many_sessions_in_one_batch(movie):
    other = MovieFactory()
    sessions = [scripted(movie if i % 2 else other) for i in range(20)]
    record_events([m for s in sessions for m in s.messages()])
    assert SessionSummary.objects.filter(movie=movie).count() == 10
    assert SessionSummary.objects.filter(movie=other, first_frame=True).count() == 10
