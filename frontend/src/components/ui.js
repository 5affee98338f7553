/** Shared pieces of the pages: movie cards, loading skeletons, error and empty states, the pager. */

import { h, svg } from "../dom.js";
import { languageName } from "../format.js";
import { pagerItems } from "../urlState.js";
import { cover } from "./cover.js";

export function movieCard(movie, { extra = null, href = `/movies/${movie.id}`, action = null } = {}) {
  return h(
    "li",
    { class: "card" },
    // Outside the link: a control inside an <a> would be part of the link's click and name.
    action ? h("div", { class: "card__action" }, action) : null,
    h(
      "a",
      { class: "card__link", href, "aria-label": movie.title },
      cover(movie.title, { image: movie.poster }),
      h(
        "div",
        { class: "card__body" },
        h("h3", { class: "card__title" }, movie.title),
        movie.language ? h("p", { class: "card__meta" }, h("span", { class: "chip" }, movie.language.toUpperCase()), " ", languageName(movie.language)) : null,
        extra,
      ),
    ),
  );
}

export function skeletonGrid(count = 8) {
  return h(
    "ul",
    { class: "grid", "aria-hidden": "true" },
    Array.from({ length: count }, () => h("li", { class: "card card--skeleton" }, h("div", { class: "cover skeleton" }), h("div", { class: "card__body" }, h("div", { class: "skeleton skeleton--line" }), h("div", { class: "skeleton skeleton--line short" })))),
  );
}

export function loading(label = "Loading…") {
  return h("div", { class: "state state--loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, label));
}

export function errorState(error, { retry } = {}) {
  return h(
    "div",
    { class: "state state--error", role: "alert" },
    h("h2", { class: "state__title" }, error && error.status === 404 ? "Not found" : "Something went wrong"),
    h("p", {}, (error && error.message) || "Please try again."),
    retry ? h("button", { class: "button", type: "button", onclick: retry }, "Try again") : null,
  );
}

function filmIcon() {
  return svg(
    "svg",
    { class: "state__icon", viewBox: "0 0 24 24", width: 40, height: 40, fill: "none", stroke: "currentColor", "stroke-width": 1.6, "aria-hidden": "true" },
    svg("rect", { x: 3, y: 4, width: 18, height: 16, rx: 2 }),
    svg("path", { d: "M7 4v16M17 4v16M3 8h4M3 12h4M3 16h4M17 8h4M17 12h4M17 16h4" }),
  );
}

export function emptyState(title, text, action = null) {
  return h("div", { class: "state state--empty", role: "status" }, filmIcon(), h("h2", { class: "state__title" }, title), text ? h("p", {}, text) : null, action);
}

/** A pager of links (each page has its own URL); `hrefFor(page)` builds them. */
export function pager({ page, total, hrefFor }) {
  if (total <= 1) return null;
  const items = pagerItems(page, total).map((p) =>
    p === null
      ? h("li", { class: "pager__gap", "aria-hidden": "true" }, "…")
      : h("li", {}, h("a", { class: ["pager__link", p === page && "is-current"], href: hrefFor(p), "aria-current": p === page ? "page" : null, "aria-label": `Page ${p}` }, String(p))),
  );
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h("a", { class: "pager__step", href: hrefFor(Math.max(1, page - 1)), "aria-disabled": page <= 1 ? "true" : null, tabindex: page <= 1 ? "-1" : null, rel: "prev" }, "← Previous"),
    h("ol", { class: "pager__list" }, items),
    h("a", { class: "pager__step", href: hrefFor(Math.min(total, page + 1)), "aria-disabled": page >= total ? "true" : null, tabindex: page >= total ? "-1" : null, rel: "next" }, "Next →"),
  );
}

export function progressBar(position, duration, label) {
  const pct = duration > 0 ? Math.min(100, Math.max(0, (position / duration) * 100)) : 0;
  return h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(pct)), "aria-label": label }, h("span", { class: "progress__fill", style: { width: `${pct}%` } }));
}
