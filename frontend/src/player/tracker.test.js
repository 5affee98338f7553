import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HEARTBEAT_EVERY_MS, PROGRESS_EVERY_MS, PlaybackTracker, uuid4 } from "./tracker.js";

class FakeVideo extends EventTarget {
  constructor() {
    super();
    this.currentTime = 0;
    this.duration = 120;
    this.videoHeight = 720;
    this.ended = false;
    this.error = null;
  }
  fire(name) {
    this.dispatchEvent(new Event(name));
  }
}

function setup({ visible = true } = {}) {
  const video = new FakeVideo();
  const sent = [];
  const queue = { enqueue: vi.fn((event, opts) => sent.push({ ...event, urgent: Boolean(opts && opts.urgent) })) };
  let n = 0;
  const tracker = new PlaybackTracker({
    video,
    movieId: 7,
    viewerId: "viewer-1",
    queue,
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
    isVisible: () => visible,
  });
  return { video, sent, tracker, types: () => sent.map((e) => e.type) };
}

beforeEach(() => vi.useFakeTimers({ now: new Date("2026-11-24T12:00:00Z") }));
afterEach(() => vi.useRealTimers());

describe("PlaybackTracker", () => {
  it("sends play with every contract field", () => {
    const { video, sent } = setup();
    video.currentTime = 12.3456;
    video.fire("play");
    expect(sent).toHaveLength(1);
    const [play] = sent;
    expect(play).toMatchObject({
      type: "play",
      movie_id: 7,
      viewer_id: "viewer-1",
      position: 12.346,
      duration: 120,
      quality: "720p",
      occurred_at: "2026-11-24T12:00:00.000Z",
      urgent: true,
    });
    expect(play.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(play.event_id).not.toBe(play.session_id);
  });

  it("sends progress every 10 s while playing and stops after pause", () => {
    const { video, types } = setup();
    video.fire("play");
    vi.advanceTimersByTime(PROGRESS_EVERY_MS * 2);
    expect(types()).toEqual(["play", "progress", "progress"]);
    video.fire("pause");
    vi.advanceTimersByTime(PROGRESS_EVERY_MS * 2);
    // A paused session still proves it is alive with heartbeats, but makes no progress.
    expect(types()).toEqual(["play", "progress", "progress", "pause", "heartbeat"]);
  });

  it("sends progress at once after a seek", () => {
    const { video, sent } = setup();
    video.fire("play");
    video.currentTime = 80;
    video.fire("seeked");
    expect(sent.at(-1)).toMatchObject({ type: "progress", position: 80, urgent: true });
  });

  it("ignores seeks before the first play (setting the resume position)", () => {
    const { video, sent } = setup();
    video.currentTime = 50;
    video.fire("seeked");
    expect(sent).toEqual([]);
  });

  it("sends heartbeat every 30 s while visible", () => {
    const { video, types } = setup();
    video.fire("play");
    vi.advanceTimersByTime(HEARTBEAT_EVERY_MS);
    expect(types().filter((t) => t === "heartbeat")).toHaveLength(1);
  });

  it("sends no heartbeat from a hidden page", () => {
    const { video, types } = setup({ visible: false });
    video.fire("play");
    vi.advanceTimersByTime(HEARTBEAT_EVERY_MS * 2);
    expect(types()).not.toContain("heartbeat");
  });

  it("ends with stop/finished, not pause, and starts a new session on the next play", () => {
    const { video, sent, types } = setup();
    video.fire("play");
    const first = sent[0].session_id;
    video.ended = true;
    video.fire("pause");
    video.fire("ended");
    expect(types()).toEqual(["play", "stop"]);
    expect(sent[1]).toMatchObject({ reason: "finished", session_id: first });
    vi.advanceTimersByTime(HEARTBEAT_EVERY_MS * 2);
    expect(types()).toEqual(["play", "stop"]);
    video.ended = false;
    video.fire("play");
    expect(sent[2].session_id).not.toBe(first);
  });

  it("keeps the session across pause and play", () => {
    const { video, sent } = setup();
    video.fire("play");
    video.fire("pause");
    video.fire("play");
    expect(new Set(sent.map((e) => e.session_id)).size).toBe(1);
  });

  it("reports a media error with its code, then stops the session", () => {
    const { video, sent } = setup();
    video.fire("play");
    video.error = { code: 2, message: "network down" };
    video.fire("error");
    expect(sent.slice(1)).toMatchObject([
      { type: "error", error_code: "MEDIA_ERR_NETWORK", error_message: "network down" },
      { type: "stop", reason: "error" },
    ]);
  });

  it("sends stop/user_exit when the viewer leaves, once", () => {
    const { video, sent, tracker } = setup();
    video.fire("play");
    tracker.destroy();
    tracker.leave();
    expect(sent.map((e) => [e.type, e.reason])).toEqual([["play", undefined], ["stop", "user_exit"]]);
    video.fire("play");
    expect(sent).toHaveLength(2); // listeners are gone
  });

  it("sends nothing on leave when nothing played", () => {
    const { sent, tracker } = setup();
    tracker.destroy();
    expect(sent).toEqual([]);
  });

  it("leaves out duration and quality when the video does not know them yet", () => {
    const { video, sent } = setup();
    video.duration = Number.NaN;
    video.videoHeight = 0;
    video.fire("play");
    expect(sent[0]).not.toHaveProperty("duration");
    expect(sent[0]).not.toHaveProperty("quality");
  });
});

describe("uuid4", () => {
  it("makes version-4 UUIDs without crypto.randomUUID", () => {
    const fake = { getRandomValues: (a) => a.fill(255) };
    expect(uuid4(fake)).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
  });
});
