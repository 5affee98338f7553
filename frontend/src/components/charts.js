/**
 * Hand-drawn SVG charts for the statistics page: a horizontal bar chart and a line/area chart.
 * Each chart carries a text summary for screen readers and a data table behind a disclosure.
 */

import { h, svg } from "../dom.js";

/** "Nice" upper bound and tick step for an axis that must reach `max`. */
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { top: 1, step: 1 / ticks };
  const rough = max / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return { top: step * Math.ceil(max / step), step };
}

function dataTable(caption, columns, rows) {
  return h(
    "details",
    { class: "chart__data" },
    h("summary", {}, "Show data as a table"),
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))),
    ),
  );
}

/**
 * Horizontal bars, biggest first as given. items: [{label, value, href?}].
 */
export function barChart({ title, items, format = String, valueLabel = "Value" }) {
  const max = Math.max(0, ...items.map((i) => i.value));
  const rows = items.map((item) => {
    const width = max > 0 ? Math.max(1.5, (item.value / max) * 100) : 0;
    const label = item.href ? h("a", { href: item.href, class: "bar__label" }, item.label) : h("span", { class: "bar__label" }, item.label);
    return h(
      "li",
      { class: "bar" },
      label,
      h("span", { class: "bar__track", "aria-hidden": "true" }, h("span", { class: "bar__fill", style: { width: `${width}%` } })),
      h("span", { class: "bar__value" }, format(item.value)),
    );
  });
  return h(
    "figure",
    { class: "chart chart--bars" },
    h("figcaption", { class: "chart__title" }, title),
    h("ol", { class: "bars", "aria-label": title }, rows),
    dataTable(title, ["Movie", valueLabel], items.map((i) => [i.label, format(i.value)])),
  );
}

/**
 * The ticks of a value axis reaching `max`: [{value, label}], labelled by `tickFormat(value, step)`
 * (the step tells how many decimals the labels need). Multiples of the step, not sums of it, so
 * 0.1 + 0.2 never shows up as 0.30000000000000004.
 */
export function axisTicks(max, tickFormat = (v) => String(v)) {
  const { top, step } = niceScale(max);
  const count = Math.round(top / step);
  return Array.from({ length: count + 1 }, (_, n) => {
    const value = Number((n * step).toPrecision(12));
    return { value, label: tickFormat(value, step) };
  });
}

/**
 * A line with the area under it. points: [{x, y}] oldest first; x is a day ("2026-11-20") unless
 * `xLabel` says how to show it. `format` writes a value in the table and tooltips; `tickFormat(v,
 * step)` the axis (default: `format`).
 */
export function lineChart({
  title, points, format = String, tickFormat = null, valueLabel = "Value", color = "var(--accent)", xLabel = shortDay, xHeading = "Day",
}) {
  const width = 640;
  const height = 240;
  const pad = { top: 16, right: 16, bottom: 32, left: 56 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(0, ...points.map((p) => p.y));
  const { top } = niceScale(max);
  const x = (i) => pad.left + (points.length > 1 ? (i / (points.length - 1)) * innerW : innerW / 2);
  const y = (v) => pad.top + innerH - (v / top) * innerH;

  const grid = [];
  for (const tick of axisTicks(max, tickFormat || ((v) => format(v)))) {
    const v = tick.value;
    grid.push(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: "chart__grid" }));
    grid.push(svg("text", { x: pad.left - 8, y: y(v) + 4, "text-anchor": "end", class: "chart__tick" }, tick.label));
  }
  const labelEvery = Math.max(1, Math.ceil(points.length / 7));
  const xLabels = points.map((p, i) =>
    i % labelEvery === 0 || i === points.length - 1
      ? svg("text", { x: x(i), y: height - 10, "text-anchor": "middle", class: "chart__tick" }, xLabel(p.x))
      : null,
  );
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.y).toFixed(1)}`).join(" ");
  const area = points.length ? `${line} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z` : "";
  const dots = points.map((p, i) => svg("circle", { cx: x(i), cy: y(p.y), r: 3.5, fill: color }, svg("title", {}, `${xLabel(p.x)}: ${format(p.y)}`)));
  const last = points.at(-1);
  const summary = last ? xHeading === "Day"
      ? `${title}: ${points.length} days, latest ${xLabel(last.x)} ${format(last.y)}.`
      : `${title}: ${points.length} points, last ${xLabel(last.x)} ${format(last.y)}.` : `${title}: no data.`;

  return h(
    "figure",
    { class: "chart chart--line" },
    h("figcaption", { class: "chart__title" }, title),
    svg(
      "svg",
      { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": summary, class: "chart__svg", preserveAspectRatio: "none" },
      grid,
      area ? svg("path", { d: area, fill: color, opacity: 0.16 }) : null,
      line ? svg("path", { d: line, fill: "none", stroke: color, "stroke-width": 2.5, "stroke-linejoin": "round" }) : null,
      dots,
      xLabels,
    ),
    dataTable(title, [xHeading, valueLabel], points.map((p) => [xHeading === "Day" ? p.x : xLabel(p.x), format(p.y)])),
  );
}

function shortDay(iso) {
  const date = new Date(`${String(iso).slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}
