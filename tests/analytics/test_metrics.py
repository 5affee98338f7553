"""The metric definitions against sessions computed by hand (pure functions, no database)."""

from __future__ import annotations

import pytest

from analytics.metrics import (
    SessionState,
    apply_event,
    merge_intervals,
    rebuffer_frequency,
    rebuffer_percentage,
    rendition_label,
    retention,
)
from tests.analytics.helpers import Session


def state_of(session: Session) -> SessionState:
    state = SessionState()
    for message in session.messages():
        apply_event(state, message)
    return state


def test_startup_time_is_the_reported_time_to_the_first_frame():
    s = Session().play(at=0).progress(at=1.5, position=0.5, startup_time=1.0).progress(at=11.5, position=10.5)
    s.stop(at=20, position=19)
    state = state_of(s)
    assert state.startup_time == 1.0
    assert state.first_frame and not state.startup_failure
    assert state.watch_seconds == pytest.approx(19.0)


def test_an_exit_before_the_first_frame_is_a_startup_failure_not_a_startup_time():
    state = state_of(Session().play(at=0).stop(at=8, position=0))
    assert state.startup_time is None
    assert state.startup_failure
    assert not state.fatal  # the viewer left: not a playback failure


def test_a_session_still_waiting_for_its_first_frame_is_not_yet_a_failure():
    assert not state_of(Session().play(at=0)).startup_failure


def test_a_fatal_error_before_the_first_frame_is_both_a_startup_and_a_playback_failure():
    s = Session().play(at=0).event("error", at=3, position=0, error_code="MEDIA_ERR_SRC_NOT_SUPPORTED", fatal=True)
    state = state_of(s)
    assert state.startup_failure and state.fatal and state.error_code == "MEDIA_ERR_SRC_NOT_SUPPORTED"


def test_a_non_fatal_error_is_no_failure():
    s = Session().play(at=0).progress(at=1, position=0.5, startup_time=0.5)
    s.event("error", at=5, position=4, error_code="MEDIA_ERR_NETWORK", fatal=False).progress(at=11, position=10)
    state = state_of(s)
    assert not state.fatal and not state.ended


def test_an_old_player_session_counts_for_what_it_carries():
    """v1.0: no startup time, an error stop: the session played (the playhead moved) and failed."""
    s = Session().play(at=0).progress(at=10, position=10).event("error", at=12, position=11, error_code="MEDIA_ERR_DECODE")
    s.stop(at=12, position=11, reason="error")
    state = state_of(s)
    assert state.startup_time is None and state.first_frame and not state.startup_failure
    assert state.fatal


def test_rebuffering_with_overlapping_and_repeated_stall_reports():
    s = Session().play(at=0).progress(at=1, position=0, startup_time=1.0)
    # Stalls at 10-14 s and 12-15 s overlap (one stall of 5 s); 30-32 s is reported twice.
    s.progress(at=20, position=14, stalls=[s.stall(at=10, duration=4), s.stall(at=12, duration=3)])
    s.event("heartbeat", at=40, position=31, stalls=[s.stall(at=30, duration=2)])
    s.progress(at=41, position=32, stalls=[s.stall(at=30, duration=2)])
    s.stop(at=61, position=52)
    state = state_of(s)
    assert state.stall_count == 2
    assert state.stall_seconds == pytest.approx(7.0)
    assert state.watch_seconds == pytest.approx(52.0)
    # 7 s stalled of 59 s (52 playing + 7 stalled).
    assert rebuffer_percentage(stall_seconds=state.stall_seconds, watch_seconds=state.watch_seconds) == pytest.approx(700 / 59)
    assert rebuffer_frequency(stall_count=2, watch_seconds=52, stall_seconds=7) == pytest.approx(2 / (59 / 60))
    assert rebuffer_percentage(stall_seconds=0, watch_seconds=0) is None


def test_merge_intervals():
    assert merge_intervals([[5, 6], [0, 2], [1, 3], [3, 4]]) == [[0, 4], [5, 6]]


def test_rendition_is_time_weighted_and_takes_either_form():
    assert rendition_label({"rendition": {"height": 1080, "bitrate": 5_000_000}}) == "1080p"
    assert rendition_label({"quality": "480p"}) == "480p"
    s = Session().play(at=0, rendition="480p").progress(at=10, position=10, startup_time=0.2)
    s.progress(at=20, position=20, rendition={"height": 720}).progress(at=50, position=50)
    state = state_of(s)
    assert state.rendition_seconds == {"480p": 20.0, "720p": 30.0}


def test_seeks_cut_watched_intervals():
    s = Session(duration=100).play(at=0).progress(at=10, position=10, startup_time=0.1).progress(at=20, position=20)
    s.progress(at=21, position=60)  # seek forward: 20..60 not watched
    s.progress(at=31, position=70)
    s.progress(at=32, position=5)  # seek back
    s.progress(at=42, position=15).progress(at=52, position=25).stop(at=53, position=26)
    state = state_of(s)
    assert state.segments == [[0, 20], [60, 70], [5, 26]]
    assert state.watch_seconds == pytest.approx(20 + 10 + 21)


def test_retention_with_seeks_back_and_forth():
    # Session A watches 0-20, jumps to 60-70, goes back and watches 5-26 (duration 100).
    a = [[0, 20], [60, 70], [5, 26]]
    # Session B watches the whole film; C watches the first 12 s; D never got a frame; E has no duration.
    b, c = [[0, 100]], [[0, 12]]
    result = retention([(a, 100, False), (b, 100, True), (c, 100, False), ([], 100, False), ([[0, 50]], None, False)])
    assert result.sessions == 3
    # Points every 5 s: 0 -> A B C; 5, 10 -> A B C; 15, 20, 25 -> A B; 30..55 -> B; 60..70 -> A B; 75..100 -> B.
    expected = [3, 3, 3, 2, 2, 2] + [1] * 6 + [2, 2, 2] + [1] * 6
    assert [round(share * 3) for share in result.still_watching] == expected
    # A rewatched 5-20: the segments with midpoints 7.5, 12.5 and 17.5.
    assert [round(share * 3) for share in result.rewatched] == [0, 1, 1, 1] + [0] * 16
    assert result.completion_rate == pytest.approx(1 / 3)


def test_retention_of_no_sessions():
    result = retention([])
    assert result.sessions == 0 and result.completion_rate is None and result.still_watching == [0.0] * 21
