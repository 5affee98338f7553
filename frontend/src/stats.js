/**
 * Reads the analytics endpoints' answers into the series the charts draw, accepting a bare list
 * or a {results: [...]} envelope.
 */

function rows(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  for (const key of ["results", ...keys]) if (Array.isArray(data[key])) return data[key];
  return [];
}

const num = (...values) => {
  for (const v of values) if (v !== undefined && v !== null && !Number.isNaN(Number(v))) return Number(v);
  return 0;
};

/** [{id, title, plays, watchSeconds}] from /analytics/top-movies. */
export function topMoviesSeries(data) {
  return rows(data, "items").map((row) => {
    const movie = row.movie && typeof row.movie === "object" ? row.movie : {};
    return {
      id: movie.id ?? row.movie_id ?? row.id,
      title: movie.title ?? row.title ?? `Film ${movie.id ?? row.movie_id ?? row.id}`,
      plays: num(row.plays, row.play_count, row.views, row.sessions),
      watchSeconds: num(row.watch_time, row.watch_seconds, row.watch_time_seconds, row.seconds),
    };
  });
}

/** The last `days` UTC days ending `today`, oldest first, as YYYY-MM-DD. */
export function lastDays(days, today = new Date()) {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** A point for every day of the period: days the API left out had nothing, so they count as 0. */
export function fillDays(points, days, today = new Date()) {
  if (!days) return points;
  const byDay = new Map(points.map((p) => [p.x.slice(0, 10), p.y]));
  return lastDays(days, today).map((day) => ({ x: day, y: byDay.get(day) ?? 0 }));
}

/** [{x: day, y: hours}] from /analytics/watch-time. */
export function watchTimeSeries(data, days = 0, today = new Date()) {
  const points = rows(data, "series", "items")
    .map((row) => ({ x: String(row.day ?? row.date ?? row.bucket), y: num(row.watch_time, row.watch_seconds, row.watch_time_seconds, row.seconds) / 3600 }))
    .sort((a, b) => a.x.localeCompare(b.x));
  return fillDays(points, days, today);
}

/** [{x: day, y: percent}] from /analytics/error-rate. */
export function errorRateSeries(data, days = 0, today = new Date()) {
  const points = rows(data, "series", "items")
    .map((row) => {
      let rate = row.error_rate ?? row.rate;
      if (rate === undefined) {
        const total = num(row.plays, row.sessions, row.events, row.total);
        rate = total > 0 ? num(row.errors, row.error_count) / total : 0;
      }
      return { x: String(row.day ?? row.date ?? row.bucket), y: Number(rate) * 100 };
    })
    .sort((a, b) => a.x.localeCompare(b.x));
  return fillDays(points, days, today);
}

/** [{x: day, y}] of one figure of /analytics/qoe's days (null: no session that day, drawn as 0). */
export function qoeDaySeries(data, key, days = 0, today = new Date()) {
  const points = rows(data)
    .map((row) => ({ x: String(row.day), y: num(row[key]) }))
    .sort((a, b) => a.x.localeCompare(b.x));
  return fillDays(points, days, today);
}

/** Whether a figure is known on at least one day (else the chart's empty state says why). */
export function hasFigure(data, key) {
  return rows(data).some((row) => row[key] !== null && row[key] !== undefined && (key !== "views" || row[key] > 0));
}

/** [{x: "25 %", y: percent still watching, rewatched}] from /analytics/retention. */
export function retentionSeries(data) {
  const points = data && Array.isArray(data.points) ? data.points : [];
  return points.map((p) => ({ x: `${p.percent} %`, y: num(p.watching), rewatched: p.rewatched === null || p.rewatched === undefined ? null : Number(p.rewatched) }));
}

/** [{label, value: percent of time played}] from the renditions of /analytics/overview or /qoe. */
export function renditionItems(data) {
  const items = data && Array.isArray(data.renditions) ? data.renditions : [];
  return items.map((r) => ({ label: String(r.rendition), value: num(r.share) * 100 }));
}
