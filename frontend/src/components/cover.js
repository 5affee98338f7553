/** Generated movie covers: the catalog has no posters, so each title gets its own gradient and initials. */

import { h } from "../dom.js";

/** FNV-1a: a stable 32-bit hash, so a title always gets the same colours. */
export function hashString(text) {
  let hash = 0x811c9dc5;
  for (const ch of String(text)) {
    hash ^= ch.codePointAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const SMALL_WORDS = new Set(["the", "a", "an", "of", "and", "in", "on", "to", "и", "в", "на"]);

/** Up to two initials from the title's significant words ("The Dark Knight" -> "DK"). */
export function initials(title) {
  const words = String(title || "?")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const significant = words.filter((w) => !SMALL_WORDS.has(w.toLowerCase()));
  const chosen = (significant.length ? significant : words).slice(0, 2);
  return chosen.map((w) => [...w][0].toUpperCase()).join("") || "?";
}

/** Gradient colours for a title: two hues apart, dark enough for white initials (contrast). */
export function coverColors(title) {
  const hash = hashString(title);
  const hue = hash % 360;
  const shift = 40 + ((hash >>> 9) % 80);
  const angle = 120 + ((hash >>> 17) % 120);
  return {
    angle,
    from: `hsl(${hue} 62% 34%)`,
    to: `hsl(${(hue + shift) % 360} 70% 18%)`,
  };
}

export function cover(title, { size = "card" } = {}) {
  const { angle, from, to } = coverColors(title);
  return h(
    "div",
    { class: `cover cover--${size}`, style: { backgroundImage: `linear-gradient(${angle}deg, ${from}, ${to})` }, "aria-hidden": "true" },
    h("span", { class: "cover__initials" }, initials(title)),
    h("span", { class: "cover__title" }, title),
  );
}
