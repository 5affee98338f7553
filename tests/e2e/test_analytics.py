"""Playback quality from a real browser to the statistics: Chromium plays the long demo video over a
throttled network, so the playhead stalls; the session's startup time and stalls reach the API.

The e2e backend runs without Kafka (tests/e2e/conftest.py: KAFKA_BOOTSTRAP_SERVERS=""), so no relay
or consumer carries the events there: this test hands the messages the API stored in the outbox
(exactly what the relay sends) to `analytics.services.record_events`, the consumer's hook. The
relay and Kafka legs have their own tests (tests/analytics/test_demo_activity.py).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_player import start_playing, stored_events, viewer_id, wait_for

pytestmark = pytest.mark.xdist_group("e2e")

# Bytes per second: half the long video's bitrate (16 MB in 30 s), so its buffer runs dry.
THROTTLE = 260 * 1024


def test_startup_time_and_a_stall_reach_the_statistics(page, context, demo_data, db_read, screenshot):
    movie_id = demo_data["long_video_movie_id"]
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": THROTTLE, "uploadThroughput": -1})
    page.add_init_script(
        "window.__stalls = 0; document.addEventListener('waiting', () => { window.__stalls += 1; }, true);"
    )
    start_playing(page, movie_id)
    viewer = viewer_id(page)
    page.wait_for_function("window.__stalls > 0 && document.querySelector('video').currentTime > 1", timeout=40_000)
    # Let the playhead move on after the stall (the stall ends there), then leave: the stop carries it.
    page.wait_for_function("!document.querySelector('video').paused && document.querySelector('video').readyState >= 3", timeout=40_000)
    page.wait_for_timeout(500)
    page.goto("about:blank")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    events = wait_for(
        lambda: (e := stored_events(db_read, viewer)) and any(x["type"] == "stop" for x in e) and e,
        timeout=30,
        message="the session's stop",
    )
    startup = [e["startup_time"] for e in events if "startup_time" in e]
    assert len(startup) == 1 and 0 < startup[0] < 60, events
    stalls = [s for e in events for s in e.get("stalls", [])]
    assert stalls and all(s["duration"] > 0 for s in stalls), events
    assert all(e.get("rendition") == {"height": 180} for e in events if e["type"] in ("play", "progress", "heartbeat") and "rendition" in e)

    # What the consumer does with the relayed messages.
    from analytics.services import record_events

    db_read(lambda: record_events(events))

    response = page.request.get(f"/api/v1/analytics/qoe?movie_id={movie_id}&days=1")
    assert response.ok
    summary = response.json()["summary"]
    assert summary["views"] >= 1
    assert summary["startup_time_p50"] is not None and summary["startup_time_p50"] > 0
    assert summary["stall_seconds"] >= sum(s["duration"] for s in stalls) - 0.01
    assert summary["rebuffer_percentage"] > 0

    page.goto(f"/stats?days=7&movie={movie_id}")
    expect(page.get_by_role("img", name=re.compile(r"^Startup time per day \(median\): 7 days"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Rebuffering per day"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Still watching: "))).to_be_visible()
    screenshot(page, "statistics-quality")
    print(json.dumps({"startup_time": startup[0], "stalls": stalls}))
