/**
 * Turns what a <video> element does into the activity contract's playback events: `play`,
 * `progress` every 10 s while playing and at once after a seek, `pause`, `stop` (on end, on error
 * and when the viewer leaves), `heartbeat` every 30 s while the page is visible, and `error` with
 * the media error code. Events go to the EventQueue, which owns delivery.
 *
 * Playback quality (contract v1.1): the startup time (from the session's play request to the first
 * frame with the playhead moving) goes once, on the first event after that frame; stalls (`waiting`
 * after the first frame, not caused by a seek, until the playhead moves again) ride on the next
 * event; the rendition is the picture height; a media error is fatal (the element gives up).
 */

export const PROGRESS_EVERY_MS = 10_000;
export const HEARTBEAT_EVERY_MS = 30_000;
const MIN_STALL_MS = 50; // shorter waits are the element's own bookkeeping, not a stall a viewer sees
const MAX_STALLS_PER_EVENT = 100; // the contract's limit

const MEDIA_ERRORS = { 1: "MEDIA_ERR_ABORTED", 2: "MEDIA_ERR_NETWORK", 3: "MEDIA_ERR_DECODE", 4: "MEDIA_ERR_SRC_NOT_SUPPORTED" };

/** A UUID v4, also where crypto.randomUUID is missing (plain-HTTP pages that are not localhost). */
export function uuid4(cryptoImpl = globalThis.crypto) {
  if (cryptoImpl && typeof cryptoImpl.randomUUID === "function") return cryptoImpl.randomUUID();
  const bytes = cryptoImpl.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class PlaybackTracker {
  /**
   * @param {object} deps
   * @param {HTMLVideoElement|EventTarget} deps.video
   * @param {number} deps.movieId
   * @param {string} deps.viewerId
   * @param {{enqueue(event: object, opts?: object): void}} deps.queue
   * @param {() => string} [deps.uuid] @param {() => Date} [deps.now] @param {() => boolean} [deps.isVisible]
   * @param {Function} [deps.setInterval] @param {Function} [deps.clearInterval]
   */
  constructor(deps) {
    this.video = deps.video;
    this.movieId = deps.movieId;
    this.viewerId = deps.viewerId;
    this.queue = deps.queue;
    this.uuid = deps.uuid || (() => uuid4());
    this.now = deps.now || (() => new Date());
    this.isVisible = deps.isVisible || (() => true);
    this.setInterval = deps.setInterval || globalThis.setInterval.bind(globalThis);
    this.clearInterval = deps.clearInterval || globalThis.clearInterval.bind(globalThis);
    // Milliseconds for measuring durations (monotonic in the browser; tests pass their own).
    this.clock = deps.clock || (() => (globalThis.performance ? globalThis.performance.now() : Date.now()));
    this.sessionId = null;
    this.startup = null; // {requestedAt, from} until the first frame of the session
    this.startupTime = null; // measured, waiting for the next event to carry it
    this.stall = null; // {startedAt, start} while the playhead waits for data
    this.pendingStalls = [];
    this.progressTimer = null;
    this.heartbeatTimer = null;
    this.handlers = {
      play: () => this._onPlay(),
      pause: () => this._onPause(),
      seeked: () => this._onSeeked(),
      ended: () => this._onEnded(),
      error: () => this._onError(),
      playing: () => this._onPlayheadMoving(),
      timeupdate: () => this._onPlayheadMoving(),
      waiting: () => this._onWaiting(),
      seeking: () => {
        this.stall = null; // waiting for a seek is not rebuffering
      },
    };
    for (const [name, handler] of Object.entries(this.handlers)) this.video.addEventListener(name, handler);
  }

  /** The event as the contract wants it; optional fields only when known. */
  buildEvent(type, extra = {}) {
    const event = {
      event_id: this.uuid(),
      type,
      movie_id: this.movieId,
      session_id: this.sessionId,
      viewer_id: this.viewerId,
      position: Math.max(0, Math.round((Number(this.video.currentTime) || 0) * 1000) / 1000),
      occurred_at: this.now().toISOString(),
    };
    const duration = Number(this.video.duration);
    if (Number.isFinite(duration) && duration > 0) event.duration = Math.round(duration * 1000) / 1000;
    const height = Number(this.video.videoHeight);
    if (height > 0) event.quality = `${height}p`;
    if (height > 0 && ["play", "progress", "heartbeat"].includes(type)) event.rendition = { height: Math.round(height) };
    if (type !== "play" && this.pendingStalls.length) event.stalls = this.pendingStalls.splice(0, MAX_STALLS_PER_EVENT);
    if (this.startupTime !== null) {
      event.startup_time = this.startupTime;
      this.startupTime = null;
    }
    return Object.assign(event, extra);
  }

  _emit(type, extra, urgent = false) {
    this.queue.enqueue(this.buildEvent(type, extra), { urgent });
  }

  _onPlay() {
    if (!this.sessionId) {
      this.sessionId = this.uuid();
      this.startup = { requestedAt: this.clock(), from: Number(this.video.currentTime) || 0 };
    }
    this._emit("play", {}, true);
    this._startTimers();
  }

  /** `playing` / `timeupdate`: the first frame of the session, or the end of a stall. */
  _onPlayheadMoving() {
    if (!this.sessionId || this.video.paused) return;
    const position = Number(this.video.currentTime) || 0;
    if (this.startup && position !== this.startup.from) {
      const seconds = Math.min(600, Math.max(0, (this.clock() - this.startup.requestedAt) / 1000));
      this.startup = null;
      // No event of its own: the next one (the 10-s progress, or a pause or stop) carries it.
      this.startupTime = Math.round(seconds * 1000) / 1000;
    }
    if (this.stall && position !== this.stall.from) this._closeStall();
  }

  _onWaiting() {
    // Before the first frame waiting is startup; during a seek it is the seek's.
    if (!this.sessionId || this.startup || this.video.seeking || this.stall) return;
    this.stall = { startedAt: this.clock(), start: this.now().toISOString(), from: Number(this.video.currentTime) || 0 };
  }

  _closeStall() {
    const stall = this.stall;
    this.stall = null;
    const ms = this.clock() - stall.startedAt;
    if (ms >= MIN_STALL_MS) this.pendingStalls.push({ start: stall.start, duration: Math.min(3600, Math.round(ms) / 1000) });
  }

  _onPause() {
    // A finished video also fires "pause" just before "ended"; that one is a stop, not a pause.
    if (!this.sessionId || this.video.ended) return;
    if (this.stall) this._closeStall();
    this._emit("pause", {}, true);
    this._stopProgress();
  }

  _onSeeked() {
    if (this.sessionId) this._emit("progress", {}, true);
  }

  _onEnded() {
    if (this.sessionId) this._end("finished");
  }

  _onError() {
    const error = this.video.error;
    const code = error && error.code;
    if (!this.sessionId) this.sessionId = this.uuid();
    if (this.stall) this._closeStall();
    // A media error on the element is fatal: it stops loading and playing.
    this._emit("error", {
      error_code: MEDIA_ERRORS[code] || `MEDIA_ERR_${code || "UNKNOWN"}`,
      error_message: ((error && error.message) || "The video could not be played.").slice(0, 1000),
      fatal: true,
    }, true);
    this._end("error");
  }

  _startTimers() {
    if (!this.progressTimer) this.progressTimer = this.setInterval(() => this._emit("progress"), PROGRESS_EVERY_MS);
    if (!this.heartbeatTimer) {
      this.heartbeatTimer = this.setInterval(() => {
        if (this.sessionId && this.isVisible()) this._emit("heartbeat");
      }, HEARTBEAT_EVERY_MS);
    }
  }

  _stopProgress() {
    if (this.progressTimer) this.clearInterval(this.progressTimer);
    this.progressTimer = null;
  }

  _end(reason) {
    if (this.stall) this._closeStall();
    this._emit("stop", { reason }, true);
    this.sessionId = null;
    this.startup = null;
    this.startupTime = null;
    this.pendingStalls = [];
    this._stopProgress();
    if (this.heartbeatTimer) this.clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** The viewer leaves (another page, or the tab closes): close an open session with `stop`. */
  leave() {
    if (this.sessionId) this._end("user_exit");
  }

  /** Leaves and lets go of the video element. */
  destroy() {
    this.leave();
    for (const [name, handler] of Object.entries(this.handlers)) this.video.removeEventListener(name, handler);
  }
}
