import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EventQueue, STORAGE_KEY, isRetryable } from "./eventQueue.js";

class MemoryStorage {
  constructor() {
    this.data = new Map();
  }
  getItem(key) {
    return this.data.has(key) ? this.data.get(key) : null;
  }
  setItem(key, value) {
    this.data.set(key, String(value));
  }
  removeItem(key) {
    this.data.delete(key);
  }
}

let seq = 0;
function makeEvent(extra = {}) {
  seq += 1;
  return { event_id: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}`, type: "progress", position: seq, ...extra };
}

/** A fake API: answers each send with the next scripted status (or 202), records the batches. */
function fakeApi(statuses = []) {
  const batches = [];
  const send = vi.fn(async (events) => {
    batches.push(events.map((e) => e.event_id));
    const next = statuses.length ? statuses.shift() : 202;
    if (next === "network") throw new TypeError("Failed to fetch");
    return { status: next };
  });
  return { send, batches };
}

function makeQueue({ statuses, online = { value: true }, storage = new MemoryStorage(), options = {}, beacon } = {}) {
  const api = fakeApi(statuses);
  const queue = new EventQueue(
    { storage, send: api.send, beacon, isOnline: () => online.value, random: () => 0.5, warn: () => {} },
    { flushDelay: 1000, baseBackoff: 1000, maxBackoff: 8000, ...options },
  );
  return { queue, api, storage, online };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("batching", () => {
  it("gathers events for flushDelay and sends them in one request", async () => {
    const { queue, api } = makeQueue();
    const a = makeEvent();
    const b = makeEvent();
    queue.enqueue(a);
    await vi.advanceTimersByTimeAsync(500);
    queue.enqueue(b);
    expect(api.send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(600);
    expect(api.batches).toEqual([[a.event_id, b.event_id]]);
    expect(queue.pending()).toEqual([]);
  });

  it("sends urgent events at once", async () => {
    const { queue, api } = makeQueue();
    queue.enqueue(makeEvent({ type: "pause" }), { urgent: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.send).toHaveBeenCalledTimes(1);
  });

  it("splits a long queue into batches of maxBatch", async () => {
    const { queue, api } = makeQueue({ options: { maxBatch: 2 } });
    for (let i = 0; i < 5; i += 1) queue.enqueue(makeEvent());
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(queue.pending()).toEqual([]);
  });

  it("keeps each event once even when enqueued twice", async () => {
    const { queue, api } = makeQueue();
    const a = makeEvent();
    queue.enqueue(a);
    queue.enqueue({ ...a });
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.batches).toEqual([[a.event_id]]);
  });

  it("refuses an event that breaks the contract, keeping the queue clean", () => {
    const storage = new MemoryStorage();
    const queue = new EventQueue({ storage, send: vi.fn(), validate: (e) => (e.position < 0 ? ["position must be >= 0"] : []) });
    expect(() => queue.enqueue(makeEvent({ position: -1 }))).toThrow(/position must be >= 0/);
    expect(queue.pending()).toEqual([]);
  });
});

describe("retries", () => {
  it("keeps events and retries with growing backoff after server errors, same event_id each time", async () => {
    const { queue, api } = makeQueue({ statuses: [503, "network", 500] });
    const a = makeEvent();
    queue.enqueue(a);
    await vi.advanceTimersByTimeAsync(1000); // first try: 503
    expect(api.send).toHaveBeenCalledTimes(1);
    expect(queue.pending().map((e) => e.event_id)).toEqual([a.event_id]);

    // backoff 1: ceiling 1000 -> 500 + 0.5 * 500 = 750 ms
    await vi.advanceTimersByTimeAsync(749);
    expect(api.send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.send).toHaveBeenCalledTimes(2); // network error

    // backoff 2: ceiling 2000 -> 1500 ms
    await vi.advanceTimersByTimeAsync(1499);
    expect(api.send).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.send).toHaveBeenCalledTimes(3); // 500

    await vi.advanceTimersByTimeAsync(3000); // backoff 3: 3000 ms, then 202
    expect(api.send).toHaveBeenCalledTimes(4);
    expect(new Set(api.batches.flat())).toEqual(new Set([a.event_id]));
    expect(queue.pending()).toEqual([]);
  });

  it("does not let new events cut the backoff short", async () => {
    const { queue, api } = makeQueue({ statuses: [503] });
    queue.enqueue(makeEvent(), { urgent: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.send).toHaveBeenCalledTimes(1);
    queue.enqueue(makeEvent(), { urgent: true });
    queue.enqueue(makeEvent());
    await vi.advanceTimersByTimeAsync(749);
    expect(api.send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(api.batches[1]).toHaveLength(3);
    expect(queue.pending()).toEqual([]);
  });

  it("caps the backoff", () => {
    const { queue } = makeQueue();
    expect(queue.backoffDelay(1)).toBe(750);
    expect(queue.backoffDelay(20)).toBe(6000); // maxBackoff 8000 -> 4000 + 0.5 * 4000
  });

  it("retries 429 and 408 but drops a batch the API refuses as invalid", async () => {
    expect(isRetryable(429)).toBe(true);
    expect(isRetryable(408)).toBe(true);
    expect(isRetryable(400)).toBe(false);
    const { queue, api } = makeQueue({ statuses: [400] });
    queue.enqueue(makeEvent());
    await vi.advanceTimersByTimeAsync(1000);
    expect(api.send).toHaveBeenCalledTimes(1);
    expect(queue.pending()).toEqual([]);
  });

  it("does not remove events that were enqueued while a batch was in flight", async () => {
    const storage = new MemoryStorage();
    let release;
    const send = vi.fn(() => new Promise((resolve) => (release = resolve)));
    const queue = new EventQueue({ storage, send, random: () => 0.5 }, { flushDelay: 0 });
    const a = makeEvent();
    const b = makeEvent();
    queue.enqueue(a);
    await vi.advanceTimersByTimeAsync(0);
    queue.enqueue(b);
    release({ status: 202 });
    await vi.advanceTimersByTimeAsync(0);
    release({ status: 202 });
    await vi.advanceTimersByTimeAsync(0);
    expect(send.mock.calls.map((c) => c[0].map((e) => e.event_id))).toEqual([[a.event_id], [b.event_id]]);
    expect(queue.pending()).toEqual([]);
  });
});

describe("offline", () => {
  it("keeps events in storage while offline and sends them once back online", async () => {
    const online = { value: false };
    const { queue, api, storage } = makeQueue({ online });
    const a = makeEvent();
    const b = makeEvent();
    queue.enqueue(a);
    queue.enqueue(b);
    await vi.advanceTimersByTimeAsync(10000);
    expect(api.send).not.toHaveBeenCalled();
    expect(JSON.parse(storage.getItem(STORAGE_KEY)).map((e) => e.event_id)).toEqual([a.event_id, b.event_id]);

    online.value = true;
    await queue.online();
    expect(api.batches).toEqual([[a.event_id, b.event_id]]);
    expect(storage.getItem(STORAGE_KEY)).toBeNull();
  });

  it("survives a reload: a new queue on the same storage sends what the last one left", async () => {
    const storage = new MemoryStorage();
    const first = makeQueue({ storage, online: { value: false } });
    const a = makeEvent();
    first.queue.enqueue(a);

    const second = makeQueue({ storage });
    const target = new EventTarget();
    second.queue.attach(target);
    await vi.advanceTimersByTimeAsync(0);
    expect(second.api.batches).toEqual([[a.event_id]]);
    expect(second.queue.pending()).toEqual([]);
  });

  it("sends at once on the window's online event, skipping the backoff", async () => {
    const online = { value: true };
    const { queue, api } = makeQueue({ online, statuses: ["network"] });
    const target = new EventTarget();
    queue.attach(target);
    queue.enqueue(makeEvent(), { urgent: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(api.send).toHaveBeenCalledTimes(1);
    target.dispatchEvent(new Event("online"));
    await vi.advanceTimersByTimeAsync(0);
    expect(api.send).toHaveBeenCalledTimes(2);
    expect(queue.pending()).toEqual([]);
  });

  it("ignores damaged storage instead of failing", () => {
    const storage = new MemoryStorage();
    storage.setItem(STORAGE_KEY, "{not json");
    const { queue } = makeQueue({ storage });
    expect(queue.pending()).toEqual([]);
    queue.enqueue(makeEvent());
    expect(queue.pending()).toHaveLength(1);
  });

  it("drops the oldest events past maxStored", () => {
    const { queue } = makeQueue({ online: { value: false }, options: { maxStored: 3 } });
    const events = [1, 2, 3, 4, 5].map(() => makeEvent());
    events.forEach((e) => queue.enqueue(e));
    expect(queue.pending().map((e) => e.event_id)).toEqual(events.slice(2).map((e) => e.event_id));
  });
});

describe("leaving the page", () => {
  it("runs leave hooks, then hands everything to sendBeacon and keeps it until the API confirms", async () => {
    const beacons = [];
    const { queue } = makeQueue({ beacon: (events) => beacons.push(events.map((e) => e.event_id)) > 0 });
    const a = makeEvent();
    queue.enqueue(a);
    const stop = makeEvent({ type: "stop" });
    queue.beforeLeave(() => queue.enqueue(stop));
    const target = new EventTarget();
    queue.attach(target);
    target.dispatchEvent(new Event("pagehide"));
    expect(beacons).toEqual([[a.event_id, stop.event_id]]);
    // Still stored: the next page load sends them again and the API keeps one copy (same event_id).
    expect(queue.pending()).toHaveLength(2);
  });

  it("splits beacons to stay under the browser's size limit", () => {
    const beacons = [];
    const { queue } = makeQueue({
      online: { value: true },
      options: { beaconLimit: 300 },
      beacon: (events) => beacons.push(events.length) > 0,
    });
    for (let i = 0; i < 6; i += 1) queue.enqueue(makeEvent({ padding: "x".repeat(60) }));
    expect(queue.flushOnLeave()).toBe(6);
    expect(beacons.length).toBeGreaterThan(1);
    expect(beacons.reduce((a, b) => a + b, 0)).toBe(6);
  });

  it("does not beacon while offline", () => {
    const beacon = vi.fn(() => true);
    const { queue } = makeQueue({ online: { value: false }, beacon });
    queue.enqueue(makeEvent());
    expect(queue.flushOnLeave()).toBe(0);
    expect(beacon).not.toHaveBeenCalled();
  });

  it("tells subscribers how many events wait", async () => {
    const { queue } = makeQueue();
    const counts = [];
    queue.subscribe((n) => counts.push(n));
    queue.enqueue(makeEvent());
    await vi.advanceTimersByTimeAsync(1000);
    expect(counts).toEqual([1, 0]);
  });
});
