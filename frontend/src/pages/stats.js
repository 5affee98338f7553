/**
 * Viewing statistics: the most watched films, watch time, playback quality (startup time,
 * rebuffering, failures, renditions) and a film's audience retention. Durations pick their unit
 * from the data; every chart has a table under it and an empty state that says why it is empty.
 */

import * as api from "../api.js";
import { h, replaceChildren } from "../dom.js";
import { barChart, lineChart } from "../components/charts.js";
import { emptyState, errorState, loading } from "../components/ui.js";
import { durationUnit, formatPercent, formatSeconds, formatTick, plural } from "../format.js";
import { errorRateSeries, hasFigure, qoeDaySeries, renditionItems, retentionSeries, topMoviesSeries, watchTimeSeries } from "../stats.js";

const PERIODS = [7, 30, 90];
const rowsIn = (data) => (Array.isArray(data) ? data : (data && data.results) || []);
const NO_SESSIONS = "The figures come from the events players send while viewers watch; none arrived in this period.";

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

/** A line chart of durations given in seconds, in the unit that reads best for its values. */
function durationChart({ title, points, color }) {
  const unit = durationUnit(Math.max(0, ...points.map((p) => p.y)));
  return lineChart({
    title,
    valueLabel: unit.label,
    color,
    points: points.map((p) => ({ x: p.x, y: p.y / unit.seconds })),
    format: (v) => formatSeconds(v * unit.seconds),
    tickFormat: (v, step) => formatTick(v, step, unit.unit),
  });
}

function percentChart({ title, points, color, xLabel, xHeading }) {
  return lineChart({
    title, points, color, valueLabel: "Percent", format: formatPercent, tickFormat: (v, step) => formatTick(v, step, "%"),
    ...(xLabel ? { xLabel, xHeading } : {}),
  });
}

function qualityCards(summary) {
  const cards = [
    ["Startup time (median)", formatSeconds(summary.startup_time_p50)],
    ["Startup time (95th pct.)", formatSeconds(summary.startup_time_p95)],
    ["Startup failures", formatPercent(summary.startup_failure_percentage)],
    ["Rebuffering", formatPercent(summary.rebuffer_percentage)],
    ["Stalls per minute", summary.rebuffer_frequency === null ? "—" : Number(summary.rebuffer_frequency).toFixed(3)],
    ["Playback failures", formatPercent(summary.playback_failure_percentage)],
    ["Completion rate", formatPercent(summary.completion_rate)],
  ];
  return h(
    "dl",
    { class: "stat-cards" },
    cards.map(([label, value]) => h("div", { class: "stat-card" }, h("dt", {}, label), h("dd", {}, value))),
  );
}

function retentionPanel(data) {
  const points = retentionSeries(data);
  if (!data || !data.sessions) {
    return emptyState(
      "No retention curve yet",
      "No session of this film with a known length played anything in this period, so there is nothing to say where viewers leave.",
    );
  }
  const rewatched = points
    .filter((p) => p.rewatched > 0)
    .map((p) => ({ label: `${p.x.replace(" %", "")}–${Number(p.x.replace(" %", "")) + 5} %`, value: p.rewatched }));
  return h(
    "div",
    {},
    percentChart({ title: `Still watching: ${data.title}`, points, xLabel: String, xHeading: "Point of the film" }),
    h("p", { class: "muted" }, `${plural(data.sessions, "session")}; completion rate ${formatPercent(data.completion_rate)}.`),
    rewatched.length
      ? barChart({ title: "Rewatched parts (sessions that watched them twice)", valueLabel: "Sessions", items: rewatched, format: formatPercent })
      : h("p", { class: "muted" }, "No part of the film was watched twice in a session."),
  );
}

export function statsPage(ctx) {
  const days = PERIODS.includes(Number(ctx.url.searchParams.get("days"))) ? Number(ctx.url.searchParams.get("days")) : 30;
  const chosenMovie = Number(ctx.url.searchParams.get("movie")) || null;
  const signal = ctx.signal;
  const overview = api.analyticsOverview({ days, limit: 20 }, { signal });
  const qoe = api.analyticsQoe({ days }, { signal });

  const node = h(
    "div",
    { class: "page page--stats" },
    h("div", { class: "section-head" }, h("h1", { class: "page-title" }, "Statistics"), h(
      "nav",
      { class: "segmented", "aria-label": "Period" },
      PERIODS.map((d) => h("a", { class: "segmented__option", href: `/stats?days=${d}`, "aria-current": d === days ? "page" : null }, `${d} days`)),
    )),
    h("p", { class: "muted" }, `What viewers watched over the last ${days} days, and how well it played.`),
    h(
      "div",
      { class: "panels" },
      panel("Top films", () => api.topMovies({ days, limit: 10 }, { signal }), (data) => {
        const items = topMoviesSeries(data);
        if (!items.length) return emptyState("No views yet", "A film counts once someone has watched 10 seconds of it. Play a film and come back.");
        const byWatch = items.some((i) => i.watchSeconds > 0) && !items.some((i) => i.plays > 0);
        const unit = durationUnit(Math.max(...items.map((i) => i.watchSeconds)));
        return barChart({
          title: byWatch ? "Top films by watch time" : "Top films by plays",
          valueLabel: byWatch ? "Watch time" : "Plays",
          items: items.map((i) => ({ label: i.title, value: byWatch ? i.watchSeconds / unit.seconds : i.plays, href: i.id ? `/movies/${i.id}` : null })),
          format: byWatch ? (v) => formatSeconds(v * unit.seconds) : (v) => v.toLocaleString("en"),
        });
      }),
      panel("Watch time", () => api.watchTime({ days }, { signal }), (data) => {
        const points = watchTimeSeries(data, days);
        if (!points.some((p) => p.y > 0)) return emptyState("No watch time yet", NO_SESSIONS);
        return durationChart({ title: "Watch time per day", points: points.map((p) => ({ x: p.x, y: p.y * 3600 })) });
      }),
      panel("Playback quality", () => overview, (data) => {
        if (!data || !data.summary || !data.summary.views) return emptyState("No playback yet", NO_SESSIONS);
        return h("div", {}, h("h2", { class: "chart__title" }, "Playback quality"), qualityCards(data.summary));
      }),
      panel("Startup time", () => qoe, (data) => {
        if (!hasFigure(data, "startup_time_p50")) {
          return emptyState("No startup time yet", "No session reached its first frame with a startup time in this period (players before contract v1.1 do not report it).");
        }
        return durationChart({ title: "Startup time per day (median)", points: qoeDaySeries(data, "startup_time_p50", days) });
      }),
      panel("Rebuffering", () => qoe, (data) => {
        if (!hasFigure(data, "rebuffer_percentage")) return emptyState("No watch time yet", NO_SESSIONS);
        return percentChart({ title: "Rebuffering per day (stalled time / watch time)", points: qoeDaySeries(data, "rebuffer_percentage", days), color: "var(--danger)" });
      }),
      panel("Playback failures", () => qoe, (data) => {
        if (!hasFigure(data, "views")) return emptyState("No playback yet", NO_SESSIONS);
        return percentChart({ title: "Sessions ended by a fatal error, per day", points: qoeDaySeries(data, "playback_failure_percentage", days), color: "var(--danger)" });
      }),
      panel("Error rate", () => api.errorRate({ days }, { signal }), (data) => {
        const points = errorRateSeries(data, days);
        if (!rowsIn(data).some((row) => row.starts > 0 || row.errors > 0)) return emptyState("No playback yet", NO_SESSIONS);
        return percentChart({ title: "Playback error rate per day", points, color: "var(--danger)" });
      }),
      panel("Renditions", () => overview, (data) => {
        const items = renditionItems(data);
        if (!items.length) return emptyState("No rendition data yet", "Nothing was played in this period, so there is no quality to show.");
        return barChart({ title: "Time played per rendition", valueLabel: "Share of time", items, format: formatPercent });
      }),
      panel("Audience retention", async () => {
        const movies = ((await overview) || {}).movies || [];
        const movieId = chosenMovie || (movies[0] && movies[0].movie_id);
        if (!movieId) return { movies, retention: null };
        return { movies, movieId, retention: await api.analyticsRetention({ movie_id: movieId, days }, { signal }) };
      }, ({ movies, movieId, retention }) => {
        if (!movieId) return emptyState("No retention curve yet", NO_SESSIONS);
        const picker = movies.length > 1
          ? h(
            "nav",
            { class: "segmented segmented--small", "aria-label": "Film" },
            movies.slice(0, 6).map((m) => h("a", { class: "segmented__option", href: `/stats?days=${days}&movie=${m.movie_id}`, "aria-current": m.movie_id === movieId ? "page" : null }, m.title)),
          )
          : null;
        return h("div", {}, picker, retentionPanel(retention));
      }),
    ),
  );
  return { node, title: "Statistics" };
}
