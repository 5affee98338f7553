/** Seek previews: the WebVTT thumbnails track (`url#xywh=x,y,w,h` cues) parsed, and the cue under a time. */

const TIMING = /^\s*((?:\d+:)?\d{1,2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{1,2}:\d{2}\.\d{3})/;
const FRAGMENT = /#xywh=(\d+),(\d+),(\d+),(\d+)\s*$/;

/** "01:02:03.450" or "02:03.450" -> seconds. */
export function parseTimestamp(text) {
  const parts = text.split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

/**
 * The cues of a thumbnails track: [{start, end, url, x, y, w, h}] in time order. `base` resolves
 * relative image URLs (the track's own URL). Cues that are not images with a fragment are skipped.
 */
export function parseThumbnailsVtt(text, base = globalThis.location ? globalThis.location.href : "http://localhost/") {
  const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0].replace(/^\uFEFF/, ""))) return [];
  const cues = [];
  for (let i = 1; i < lines.length; i += 1) {
    const timing = TIMING.exec(lines[i]);
    if (!timing) continue;
    const target = (lines[i + 1] || "").trim();
    const fragment = FRAGMENT.exec(target);
    if (!fragment) continue;
    const [, x, y, w, h] = fragment.map(Number);
    cues.push({
      start: parseTimestamp(timing[1]),
      end: parseTimestamp(timing[2]),
      url: new URL(target.slice(0, fragment.index), base).href,
      x,
      y,
      w,
      h,
    });
    i += 1;
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue showing at `seconds` (binary search); the last one past the end, null without cues. */
export function cueAt(cues, seconds) {
  if (!cues.length || !(seconds >= 0)) return cues.length ? cues[0] : null;
  let low = 0;
  let high = cues.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (cues[middle].start <= seconds) low = middle;
    else high = middle - 1;
  }
  return cues[low];
}

/** The time under a pointer at `clientX` over a seek bar spanning `rect`, clamped to [0, duration]. */
export function timeAtPointer(clientX, rect, duration) {
  if (!(duration > 0) || !(rect.width > 0)) return 0;
  const fraction = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
  return fraction * duration;
}
