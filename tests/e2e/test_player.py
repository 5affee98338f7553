"""The player in Chromium against the real backend: byte-range seeking, the resume offer, playback
events stored by the API (with the beacon on leaving), and the offline queue."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

# Grouped for `--dist loadgroup`; under plain `-n` each xdist worker builds its own backend (conftest).
pytestmark = pytest.mark.xdist_group("e2e")

QUEUE_KEY = "cinema.activity.queue.v1"


def wait_for(check, *, timeout=15.0, interval=0.2, message="condition"):
    """Polls `check()` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


def viewer_id(page) -> str:
    return page.evaluate("localStorage.getItem('cinema.viewer_id')")


def queued(page) -> list[dict]:
    return page.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE_KEY}') || '[]')")


def stored_events(db_read, viewer: str) -> list[dict]:
    """The events the API stored for this viewer, oldest first, as the Kafka messages it will send."""
    from activity.models import OutboxEvent

    rows = db_read(lambda: list(OutboxEvent.objects.filter(message__contains=viewer).order_by("id").values_list("message", flat=True)))
    return [json.loads(row) for row in rows]


def resume_position(db_read, viewer: str, movie_id: int):
    from activity.models import ResumePosition

    return db_read(lambda: ResumePosition.objects.filter(viewer_key=f"anon:{viewer}", movie_id=movie_id).values_list("position", flat=True).first())


def start_playing(page, movie_id: int):
    page.goto(f"/movies/{movie_id}")
    video = page.locator("video")
    expect(video).to_be_visible()
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    video.click()  # a click on the picture plays: the viewer's gesture, as with a real mouse
    page.wait_for_function("document.querySelector('video').currentTime > 0.3")
    return video


def seek(page, seconds: float):
    page.evaluate(f"document.querySelector('video').currentTime = {seconds}")
    page.wait_for_function(f"(() => {{ const v = document.querySelector('video'); return !v.seeking && v.currentTime >= {seconds}; }})()")


def stream_requests(backend, movie_id: int) -> list[tuple[int, str]]:
    """(status, Range header) of each GET of the movie's stream, from gunicorn's access log."""
    pattern = re.compile(rf'^GET /api/v1/movies/{movie_id}/stream (\d+) range="([^"]*)"$')
    found = []
    for line in backend["access_log"].read_text().splitlines():
        match = pattern.match(line.strip())
        if match:
            found.append((int(match.group(1)), match.group(2)))
    return found


def test_play_and_seek_use_byte_ranges(page, backend, demo_data, db_read, screenshot):
    movie_id = demo_data["long_video_movie_id"]
    start_playing(page, movie_id)
    before = len(stream_requests(backend, movie_id))
    duration = page.evaluate("document.querySelector('video').duration")
    assert duration > 25

    target = round(duration * 0.85, 1)
    seek(page, target)
    page.wait_for_function(f"document.querySelector('video').currentTime > {target + 0.3}")  # it plays on from there
    screenshot(page, "player")

    after_seek = stream_requests(backend, movie_id)[before:]
    starts = [int(m.group(1)) for status, header in after_seek if status == 206 and (m := re.match(r"bytes=(\d+)-", header))]
    assert any(start > 0 for start in starts), f"no byte-range request after the seek: {after_seek}"

    viewer = viewer_id(page)
    events = wait_for(
        lambda: (e := stored_events(db_read, viewer)) and any(x["type"] == "progress" and x["position"] >= target for x in e) and e,
        message="the progress event sent at once after the seek",
    )
    assert events[0]["type"] == "play" and events[0]["movie_id"] == movie_id


def test_pause_and_reload_offers_to_resume(page, demo_data, db_read, screenshot):
    movie_id = demo_data["long_video_movie_id"]
    start_playing(page, movie_id)
    seek(page, 12)
    page.wait_for_function("document.querySelector('video').currentTime > 12.2")
    page.evaluate("document.querySelector('video').pause()")
    position = page.evaluate("document.querySelector('video').currentTime")
    viewer = viewer_id(page)
    wait_for(lambda: (p := resume_position(db_read, viewer, movie_id)) is not None and p >= 12, message="the resume position stored")

    page.reload()
    offer = page.get_by_role("dialog", name=re.compile(r"Continue from 0:1\d\?"))
    expect(offer).to_be_visible()
    screenshot(page, "resume-offer")
    offer.get_by_role("button", name=re.compile("Continue from")).click()
    expect(offer).to_be_hidden()
    page.wait_for_function(f"document.querySelector('video').currentTime > {position - 1} && !document.querySelector('video').paused")

    page.goto("/")
    row = page.get_by_role("region", name="Continue watching")
    expect(row).to_be_visible()
    expect(row.locator(".card").first).to_be_visible()
    screenshot(page, "continue-watching")


def test_events_reach_the_database_once_each_and_leaving_sends_stop(page, demo_data, db_read):
    movie_id = demo_data["long_video_movie_id"]
    start_playing(page, movie_id)
    page.evaluate("document.querySelector('video').pause()")
    page.evaluate("document.querySelector('video').play()")
    page.wait_for_function("!document.querySelector('video').paused")
    viewer = viewer_id(page)
    wait_for(lambda: len(stored_events(db_read, viewer)) >= 3, message="play, pause, play stored")

    page.goto("about:blank")  # closes the movie page: its stop can only travel by beacon
    events = wait_for(
        lambda: (e := stored_events(db_read, viewer)) and any(x["type"] == "stop" for x in e) and e,
        message="the stop sent with sendBeacon",
    )
    types = [e["type"] for e in events]
    assert types[:3] == ["play", "pause", "play"], types
    stop = next(e for e in events if e["type"] == "stop")
    assert stop["reason"] == "user_exit"
    assert len({e["session_id"] for e in events}) == 1
    assert len({e["event_id"] for e in events}) == len(events)
    assert all(e["viewer_id"] == viewer and e["movie_id"] == movie_id for e in events)

    # Back on the site, the queue re-sends what the beacon carried; the API keeps one copy of each.
    page.goto("/")
    page.wait_for_function(f"!localStorage.getItem('{QUEUE_KEY}')")
    again = stored_events(db_read, viewer)
    assert {e["event_id"] for e in events} <= {e["event_id"] for e in again}
    assert len({e["event_id"] for e in again}) == len(again)


def test_offline_events_wait_in_local_storage_and_flush_when_back_online(page, context, demo_data, db_read, screenshot):
    movie_id = demo_data["long_video_movie_id"]
    start_playing(page, movie_id)
    viewer = viewer_id(page)
    wait_for(lambda: stored_events(db_read, viewer), message="the play event")

    context.set_offline(True)
    page.evaluate("document.querySelector('video').pause()")
    badge = page.locator(".offline-badge")
    expect(badge).to_contain_text("Offline")
    waiting = wait_for(lambda: [e for e in queued(page) if e["type"] == "pause"], message="the pause kept in localStorage")
    pause_id = waiting[0]["event_id"]
    time.sleep(1.5)  # longer than the queue's batching delay: nothing may have gone out
    assert pause_id not in {e["event_id"] for e in stored_events(db_read, viewer)}
    screenshot(page, "offline")

    context.set_offline(False)
    page.wait_for_function(f"!localStorage.getItem('{QUEUE_KEY}')")
    stored = wait_for(lambda: [e for e in stored_events(db_read, viewer) if e["event_id"] == pause_id], message="the pause after reconnecting")
    assert stored[0]["type"] == "pause"
    expect(badge).to_be_hidden()


def test_a_video_that_cannot_load_is_reported_as_an_error_event(page, demo_data, db_read):
    movie_id = demo_data["long_video_movie_id"]
    # The network drops every request for the video bytes; the API itself stays reachable.
    page.route(re.compile(rf"/api/v1/movies/{movie_id}/stream"), lambda route: route.abort("connectionreset"))
    page.goto(f"/movies/{movie_id}")
    expect(page.get_by_role("alert")).to_contain_text("This video cannot be played right now.")
    viewer = viewer_id(page)
    events = wait_for(lambda: stored_events(db_read, viewer), message="the error event")
    assert [e["type"] for e in events] == ["error", "stop"]
    assert events[0]["error_code"].startswith("MEDIA_ERR_") and events[1]["reason"] == "error"

    page.unroute(re.compile(rf"/api/v1/movies/{movie_id}/stream"))
    page.get_by_role("button", name="Try again").click()
    page.wait_for_function("document.querySelector('video').currentTime > 0.3")
    expect(page.get_by_role("alert")).to_be_hidden()
