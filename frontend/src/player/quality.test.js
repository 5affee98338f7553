import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { eventErrors } from "./contract.js";
import { PlaybackTracker } from "./tracker.js";

class FakeVideo extends EventTarget {
  constructor() {
    super();
    this.currentTime = 0;
    this.duration = 120;
    this.videoHeight = 720;
    this.paused = true;
    this.seeking = false;
    this.ended = false;
    this.error = null;
  }
  fire(name) {
    if (name === "play" || name === "playing") this.paused = false;
    if (name === "pause") this.paused = true;
    this.dispatchEvent(new Event(name));
  }
}

function setup() {
  const video = new FakeVideo();
  const sent = [];
  let ms = 1000;
  let n = 0;
  const tracker = new PlaybackTracker({
    video,
    movieId: 7,
    viewerId: "viewer-1",
    queue: { enqueue: (event) => sent.push(event) },
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
    clock: () => ms,
  });
  const advance = (seconds) => {
    ms += seconds * 1000;
    vi.setSystemTime(new Date(Date.now() + seconds * 1000));
  };
  return { video, sent, tracker, advance };
}

beforeEach(() => vi.useFakeTimers({ now: new Date("2026-11-24T12:00:00Z"), toFake: ["Date"] }));
afterEach(() => vi.useRealTimers());

describe("playback quality reporting (contract v1.1)", () => {
  it("measures the startup time to the first frame with the playhead moving, sent once on the next event", () => {
    const { video, sent, advance } = setup();
    video.fire("play");
    advance(0.4);
    video.fire("playing"); // the element says playing, but the playhead has not moved yet
    advance(0.35);
    video.currentTime = 0.05;
    video.fire("timeupdate");
    expect(sent.map((e) => e.type)).toEqual(["play"]); // no event of its own
    advance(3);
    video.currentTime = 3.05;
    video.fire("timeupdate");
    video.fire("pause");
    expect(sent[1]).toMatchObject({ type: "pause", startup_time: 0.75 });
    video.fire("play"); // resuming is not a new startup
    video.currentTime = 0.6;
    video.fire("timeupdate");
    video.fire("pause");
    expect(sent.filter((e) => "startup_time" in e)).toHaveLength(1);
    expect(sent[0]).toMatchObject({ rendition: { height: 720 } });
    for (const event of sent) expect(eventErrors(event)).toEqual([]);
  });

  it("puts the startup time on the periodic progress", () => {
    vi.useFakeTimers({ now: new Date("2026-11-24T12:00:00Z") });
    const { video, sent } = setup();
    video.fire("play");
    video.currentTime = 0.2;
    video.fire("timeupdate");
    vi.advanceTimersByTime(10_000);
    expect(sent[1]).toMatchObject({ type: "progress", startup_time: 0 });
    expect(eventErrors(sent[1])).toEqual([]);
  });

  it("sends no startup time when the viewer leaves before the first frame", () => {
    const { video, sent, tracker, advance } = setup();
    video.fire("play");
    advance(5);
    tracker.leave();
    expect(sent.map((e) => e.type)).toEqual(["play", "stop"]);
    expect(sent.some((e) => "startup_time" in e)).toBe(false);
  });

  it("measures a stall from waiting until the playhead moves, and sends it with the next event", () => {
    const { video, sent, tracker, advance } = setup();
    video.fire("play");
    video.currentTime = 0.1;
    video.fire("timeupdate");
    video.currentTime = 4;
    video.fire("waiting");
    const stalledAt = new Date().toISOString();
    advance(2.5);
    video.fire("playing");
    video.fire("timeupdate"); // same position: still stalled
    expect(sent.some((e) => e.stalls)).toBe(false);
    advance(0.5);
    video.currentTime = 4.2;
    video.fire("timeupdate");
    tracker.leave();
    const stop = sent.at(-1);
    expect(stop).toMatchObject({ type: "stop", stalls: [{ start: stalledAt, duration: 3 }] });
    expect(eventErrors(stop)).toEqual([]);
  });

  it("does not count waiting for a seek, or before the first frame, as a stall", () => {
    const { video, sent, tracker, advance } = setup();
    video.fire("play");
    video.fire("waiting"); // startup
    advance(1);
    video.currentTime = 0.2;
    video.fire("timeupdate");
    video.seeking = true;
    video.fire("seeking");
    video.fire("waiting");
    advance(2);
    video.currentTime = 60;
    video.seeking = false;
    video.fire("seeked");
    video.fire("timeupdate");
    tracker.leave();
    expect(sent.some((e) => e.stalls)).toBe(false);
  });

  it("marks a media error fatal, and closes an open stall on it", () => {
    const { video, sent, advance } = setup();
    video.fire("play");
    video.currentTime = 0.1;
    video.fire("timeupdate");
    video.fire("waiting");
    advance(4);
    video.error = { code: 2, message: "network down" };
    video.fire("error");
    const error = sent.find((e) => e.type === "error");
    expect(error).toMatchObject({ fatal: true, error_code: "MEDIA_ERR_NETWORK", stalls: [{ duration: 4 }] });
    expect(eventErrors(error)).toEqual([]);
    expect(sent.at(-1)).toMatchObject({ type: "stop", reason: "error" });
  });
});
