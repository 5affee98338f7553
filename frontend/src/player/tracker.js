/**
 * Turns what a <video> element does into the activity contract's playback events: `play`,
 * `progress` every 10 s while playing and at once after a seek, `pause`, `stop` (on end, on error
 * and when the viewer leaves), `heartbeat` every 30 s while the page is visible, and `error` with
 * the media error code. Events go to the EventQueue, which owns delivery.
 */

export const PROGRESS_EVERY_MS = 10_000;
export const HEARTBEAT_EVERY_MS = 30_000;

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
    this.sessionId = null;
    this.progressTimer = null;
    this.heartbeatTimer = null;
    this.handlers = {
      play: () => this._onPlay(),
      pause: () => this._onPause(),
      seeked: () => this._onSeeked(),
      ended: () => this._onEnded(),
      error: () => this._onError(),
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
    return Object.assign(event, extra);
  }

  _emit(type, extra, urgent = false) {
    this.queue.enqueue(this.buildEvent(type, extra), { urgent });
  }

  _onPlay() {
    if (!this.sessionId) this.sessionId = this.uuid();
    this._emit("play", {}, true);
    this._startTimers();
  }

  _onPause() {
    // A finished video also fires "pause" just before "ended"; that one is a stop, not a pause.
    if (!this.sessionId || this.video.ended) return;
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
    this._emit("error", {
      error_code: MEDIA_ERRORS[code] || `MEDIA_ERR_${code || "UNKNOWN"}`,
      error_message: ((error && error.message) || "The video could not be played.").slice(0, 1000),
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
    this._emit("stop", { reason }, true);
    this.sessionId = null;
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
