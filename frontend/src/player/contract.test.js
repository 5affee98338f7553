import { describe, expect, it } from "vitest";
import { EVENT_TYPES, eventErrors } from "./contract.js";
import { PlaybackTracker } from "./tracker.js";

/** Events exactly as the player builds them, checked against activity/schema/event-v1.json. */
function eventsFromTracker() {
  const video = new EventTarget();
  Object.assign(video, { currentTime: 42.5, duration: 600, videoHeight: 720, ended: false, error: null });
  const sent = [];
  const tracker = new PlaybackTracker({ video, movieId: 3, viewerId: "v-5f0c7c1e-8d2a-4c1b-9a53-2b0b0e6f1a11", queue: { enqueue: (e) => sent.push(e) } });
  video.dispatchEvent(new Event("play"));
  video.dispatchEvent(new Event("seeked"));
  tracker._emit("heartbeat");
  video.dispatchEvent(new Event("pause"));
  video.error = { code: 3, message: "decode failed" };
  video.dispatchEvent(new Event("error"));
  video.dispatchEvent(new Event("play"));
  tracker.leave();
  return sent;
}

describe("the activity contract", () => {
  it("knows the six event types", () => {
    expect([...EVENT_TYPES].sort()).toEqual(["error", "heartbeat", "pause", "play", "progress", "stop"]);
  });

  it("accepts every event the player makes", () => {
    const events = eventsFromTracker();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    for (const event of events) expect(eventErrors(event), `${event.type}: ${JSON.stringify(event)}`).toEqual([]);
  });

  it("refuses events the API would refuse", () => {
    const [play] = eventsFromTracker();
    expect(eventErrors({ ...play, type: "rewind" })).not.toEqual([]);
    expect(eventErrors({ ...play, position: -1 })).not.toEqual([]);
    expect(eventErrors({ ...play, event_id: "not-a-uuid" })).not.toEqual([]);
    const { viewer_id: _, ...withoutViewer } = play;
    expect(eventErrors(withoutViewer)).not.toEqual([]);
    expect(eventErrors({ ...play, reason: "finished" })).not.toEqual([]); // only a stop has a reason
    expect(eventErrors({ ...play, error_code: "E1" })).not.toEqual([]); // only an error has a code
    expect(eventErrors({ ...play, type: "error" })).not.toEqual([]); // an error needs its code
  });
});
