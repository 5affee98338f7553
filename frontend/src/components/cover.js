/** Movie covers: the real poster (`srcset`, lazy) over a generated gradient with initials, which shows
 * while it loads, when there is no poster, or when the image fails. */

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

/** `srcset` from the API's `[{url, width}]` ("url 160w, url 320w"). */
export function srcset(sources) {
  return (sources || [])
    .filter((source) => source && source.url && source.width > 0)
    .map((source) => `${source.url} ${source.width}w`)
    .join(", ");
}

const SIZES = { card: "(max-width: 640px) 45vw, 220px", hero: "(max-width: 700px) 38vw, 260px" };

/** An <img> of `sources` that removes itself when it cannot load (the generated cover shows instead). */
export function responsiveImage(sources, { sizes, className, alt = "", eager = false } = {}) {
  const set = srcset(sources);
  if (!set) return null;
  const widest = sources[sources.length - 1];
  const img = h("img", {
    class: className,
    src: widest.url,
    srcset: set,
    sizes,
    alt,
    loading: eager ? "eager" : "lazy",
    decoding: "async",
  });
  img.addEventListener("error", () => img.remove(), { once: true });
  return img;
}

export function cover(title, { size = "card", image = [] } = {}) {
  const { angle, from, to } = coverColors(title);
  return h(
    "div",
    { class: `cover cover--${size}`, style: { backgroundImage: `linear-gradient(${angle}deg, ${from}, ${to})` }, "aria-hidden": "true" },
    h("span", { class: "cover__initials" }, initials(title)),
    h("span", { class: "cover__title" }, title),
    responsiveImage(image, { sizes: SIZES[size] || SIZES.card, className: "cover__image", eager: size === "hero" }),
  );
}
