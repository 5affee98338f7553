/**
 * The player's outbox: playback events wait in localStorage until the API has stored them.
 *
 * Events are sent in batches; a batch leaves the queue only when the API answers 2xx, so a
 * reload, a crash or an offline spell loses nothing. Each event keeps the `event_id` it was born
 * with, which the API uses as its idempotency key: a batch that is sent twice (a retry after a
 * lost answer, a beacon on leaving) is stored once. Failed sends back off exponentially with
 * jitter; coming back online sends at once.
 */

export const STORAGE_KEY = "cinema.activity.queue.v1";

const DEFAULTS = {
  maxBatch: 50, // events per request
  flushDelay: 2000, // ms to gather events into one batch
  baseBackoff: 1000, // ms before the first retry
  maxBackoff: 60000, // ms, the longest wait between retries
  maxStored: 2000, // the oldest events go first past this many
  beaconLimit: 60000, // bytes; browsers refuse beacons over 64 KiB
};

/** Status codes worth retrying: the request may succeed later as it is. */
export function isRetryable(status) {
  return status === undefined || status === 0 || status === 408 || status === 425 || status === 429 || status >= 500;
}

export class EventQueue {
  /**
   * @param {object} deps
   * @param {Storage} deps.storage where events wait (localStorage in the browser)
   * @param {(events: object[]) => Promise<{status: number}>} deps.send POSTs a batch; rejects on a network error
   * @param {(events: object[]) => boolean} [deps.beacon] hands a batch to navigator.sendBeacon
   * @param {() => boolean} [deps.isOnline]
   * @param {(event: object) => string[]} [deps.validate] contract errors of an event ([] when valid)
   * @param {Function} [deps.setTimeout] @param {Function} [deps.clearTimeout] @param {() => number} [deps.random]
   * @param {(message: string, detail?: unknown) => void} [deps.warn]
   */
  constructor(deps, options = {}) {
    this.storage = deps.storage;
    this.send = deps.send;
    this.beacon = deps.beacon || (() => false);
    this.isOnline = deps.isOnline || (() => true);
    this.validate = deps.validate || (() => []);
    this.setTimeout = deps.setTimeout || globalThis.setTimeout.bind(globalThis);
    this.clearTimeout = deps.clearTimeout || globalThis.clearTimeout.bind(globalThis);
    this.random = deps.random || Math.random;
    this.warn = deps.warn || ((message, detail) => console.warn(message, detail ?? ""));
    this.key = options.key || STORAGE_KEY;
    this.options = { ...DEFAULTS, ...options };
    this.failures = 0;
    this.timer = null;
    this.inFlight = null;
    this.listeners = new Set();
    this.leaveHooks = new Set();
  }

  /** The events still waiting, oldest first. */
  pending() {
    let raw;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return [];
    }
    if (!raw) return [];
    try {
      const events = JSON.parse(raw);
      return Array.isArray(events) ? events.filter((e) => e && typeof e === "object" && typeof e.event_id === "string") : [];
    } catch {
      return []; // a damaged entry must not stop playback tracking for good
    }
  }

  _write(events) {
    const kept = events.length > this.options.maxStored ? events.slice(events.length - this.options.maxStored) : events;
    try {
      if (kept.length) this.storage.setItem(this.key, JSON.stringify(kept));
      else this.storage.removeItem(this.key);
    } catch (error) {
      this.warn("Could not keep playback events in storage", error);
    }
    this._emit();
  }

  /** Adds an event (once per event_id). `urgent` sends without waiting for more events. */
  enqueue(event, { urgent = false } = {}) {
    const errors = this.validate(event);
    if (errors.length) {
      // A malformed event would be refused by the API for ever; better to say so here, loudly.
      throw new TypeError(`Invalid ${event && event.type} event: ${errors.join("; ")}`);
    }
    const events = this.pending();
    if (!events.some((e) => e.event_id === event.event_id)) {
      events.push(event);
      this._write(events);
    }
    // While the API is failing, the backoff timer decides when to try again, whatever arrives.
    if (this.failures === 0) this.schedule(urgent ? 0 : this.options.flushDelay);
  }

  /** Plans a send in `delay` ms, unless one is planned sooner. */
  schedule(delay) {
    if (this.timer && this.timerAt <= Date.now() + delay) return;
    if (this.timer) this.clearTimeout(this.timer);
    this.timerAt = Date.now() + delay;
    this.timer = this.setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delay);
  }

  /** Sends everything waiting, batch by batch. Resolves when done or when a send failed. */
  flush() {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this._flushAll().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  async _flushAll() {
    for (;;) {
      if (!this.isOnline()) return; // the "online" event brings us back
      const batch = this.pending().slice(0, this.options.maxBatch);
      if (!batch.length) {
        this.failures = 0;
        return;
      }
      let status;
      try {
        ({ status } = await this.send(batch));
      } catch {
        status = 0; // network error: offline, DNS, connection refused
      }
      if (status >= 200 && status < 300) {
        this.failures = 0;
        this._remove(batch);
        continue;
      }
      if (!isRetryable(status)) {
        // The API refused these events as they are; sending them again cannot help.
        this.warn(`The activity API refused ${batch.length} events (HTTP ${status}); dropping them`);
        this._remove(batch);
        continue;
      }
      this.failures += 1;
      this.schedule(this.backoffDelay(this.failures));
      return;
    }
  }

  /** Milliseconds before retry number `attempt` (1, 2, ...): exponential, capped, with full jitter on top half. */
  backoffDelay(attempt) {
    const ceiling = Math.min(this.options.maxBackoff, this.options.baseBackoff * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  _remove(batch) {
    // Re-read: another tab or an enqueue during the request may have added events meanwhile.
    const sent = new Set(batch.map((e) => e.event_id));
    this._write(this.pending().filter((e) => !sent.has(e.event_id)));
  }

  /** Back online: forget the backoff and send now. */
  online() {
    this.failures = 0;
    if (this.timer) {
      this.clearTimeout(this.timer);
      this.timer = null;
    }
    return this.flush();
  }

  /**
   * The page is going away: hand what waits to sendBeacon, which outlives the page. The events
   * stay stored until a later page load sees the API accept them; the API drops the repeat.
   */
  flushOnLeave() {
    if (!this.isOnline()) return 0;
    const events = this.pending();
    let handed = 0;
    let batch = [];
    const sendBatch = () => {
      if (batch.length && this.beacon(batch)) handed += batch.length;
      batch = [];
    };
    for (const event of events) {
      batch.push(event);
      if (batch.length >= this.options.maxBatch || JSON.stringify({ events: batch }).length > this.options.beaconLimit) {
        if (batch.length > 1) {
          const last = batch.pop();
          sendBatch();
          batch = [last];
        } else sendBatch();
      }
    }
    sendBatch();
    return handed;
  }

  /** Calls `listener(count)` whenever the number of waiting events changes. Returns an unsubscribe function. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  _emit() {
    const count = this.pending().length;
    for (const listener of this.listeners) listener(count);
  }

  /** Runs `hook` when the page goes away, before the beacon (a player enqueues its `stop` there). */
  beforeLeave(hook) {
    this.leaveHooks.add(hook);
    return () => this.leaveHooks.delete(hook);
  }

  /** The page is being left (pagehide): let the hooks add their last events, then beacon everything. */
  leave() {
    for (const hook of [...this.leaveHooks]) {
      try {
        hook();
      } catch (error) {
        this.warn("A leave hook failed", error);
      }
    }
    return this.flushOnLeave();
  }

  /** Wires the queue to the page: send on "online", beacon on leaving or hiding, retry what a previous visit left. */
  attach(target, doc) {
    target.addEventListener("online", () => this.online());
    target.addEventListener("pagehide", () => this.leave());
    if (doc) {
      doc.addEventListener("visibilitychange", () => {
        if (doc.visibilityState === "hidden") this.flushOnLeave();
      });
    }
    if (this.pending().length) this.schedule(0);
  }
}
