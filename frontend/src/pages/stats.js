/** Viewing statistics: the most watched films, watch time per day and the playback error rate. */

import * as api from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { barChart, lineChart } from "../components/charts.js";
import { emptyState, errorState, loading } from "../components/ui.js";
import { errorRateSeries, topMoviesSeries, watchTimeSeries } from "../stats.js";

const PERIODS = [7, 30, 90];
const rowsIn = (data) => (Array.isArray(data) ? data : (data && data.results) || []);

function panel(title, fetcher, draw) {
  const body = h("div", { class: "panel__body" }, loading());
  async function load() {
    replaceChildren(body, loading());
    try {
      const content = draw(await fetcher());
      replaceChildren(body, content);
    } catch (error) {
      if (error && error.name === "AbortError") return;
      replaceChildren(body, errorState(error, { retry: load }));
    }
  }
  load();
  return h("section", { class: "panel", "aria-label": title }, body);
}

export function statsPage(ctx) {
  const days = PERIODS.includes(Number(ctx.url.searchParams.get("days"))) ? Number(ctx.url.searchParams.get("days")) : 30;
  const signal = ctx.signal;
  const hours = (v) => `${v === 0 || v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)} h`;

  const node = h(
    "div",
    { class: "page page--stats" },
    h("div", { class: "section-head" }, h("h1", { class: "page-title" }, "Statistics"), h(
      "nav",
      { class: "segmented", "aria-label": "Period" },
      PERIODS.map((d) => h("a", { class: "segmented__option", href: `/stats?days=${d}`, "aria-current": d === days ? "page" : null }, `${d} days`)),
    )),
    h("p", { class: "muted" }, `What viewers watched over the last ${days} days.`),
    h(
      "div",
      { class: "panels" },
      panel("Top films", () => api.topMovies({ days, limit: 10 }, { signal }), (data) => {
        const items = topMoviesSeries(data);
        if (!items.length) return emptyState("No views yet", "Play a film and come back.");
        const byWatch = items.some((i) => i.watchSeconds > 0) && !items.some((i) => i.plays > 0);
        return barChart({
          title: byWatch ? "Top films by watch time" : "Top films by plays",
          valueLabel: byWatch ? "Watch time" : "Plays",
          items: items.map((i) => ({ label: i.title, value: byWatch ? i.watchSeconds / 3600 : i.plays, href: i.id ? `/movies/${i.id}` : null })),
          format: byWatch ? hours : (v) => v.toLocaleString("en"),
        });
      }),
      panel("Watch time", () => api.watchTime({ days }, { signal }), (data) => {
        const points = watchTimeSeries(data, days);
        if (!points.some((p) => p.y > 0)) return emptyState("No watch time yet", "");
        return lineChart({ title: "Watch time per day", valueLabel: "Hours", points, format: hours });
      }),
      panel("Error rate", () => api.errorRate({ days }, { signal }), (data) => {
        const points = errorRateSeries(data, days);
        if (!rowsIn(data).length) return emptyState("No playback yet", "");
        return lineChart({ title: "Playback error rate per day", valueLabel: "Error rate", points, format: (v) => `${v.toFixed(v < 10 ? 1 : 0)}%`, color: "var(--danger)" });
      }),
    ),
  );
  return { node, title: "Statistics" };
}
