import { describe, expect, it } from "vitest";
import { errorRateSeries, lastDays, topMoviesSeries, watchTimeSeries } from "./stats.js";

describe("statistics series", () => {
  it("reads top movies from an envelope", () => {
    expect(topMoviesSeries({ results: [{ movie: { id: 3, title: "Solaris" }, plays: 12, watch_time: 7200 }] })).toEqual([
      { id: 3, title: "Solaris", plays: 12, watchSeconds: 7200 },
    ]);
  });

  it("turns seconds into hours, oldest day first", () => {
    expect(watchTimeSeries([{ day: "2026-11-02", watch_time: 1800 }, { day: "2026-11-01", watch_time: 7200 }])).toEqual([
      { x: "2026-11-01", y: 2 },
      { x: "2026-11-02", y: 0.5 },
    ]);
  });

  it("computes the error rate in percent when only counts are given", () => {
    expect(errorRateSeries({ results: [{ day: "2026-11-01", errors: 1, plays: 4 }] })).toEqual([{ x: "2026-11-01", y: 25 }]);
    expect(errorRateSeries([{ day: "2026-11-01", error_rate: 0.1 }])[0].y).toBeCloseTo(10);
    expect(errorRateSeries([{ day: "2026-11-01", errors: 0, plays: 0 }])).toEqual([{ x: "2026-11-01", y: 0 }]);
  });

  it("reads the activity API's answers and fills the days without data", () => {
    const today = new Date("2026-11-24T15:00:00Z");
    expect(lastDays(3, today)).toEqual(["2026-11-22", "2026-11-23", "2026-11-24"]);
    const watch = { days: 3, results: [{ day: "2026-11-23", watch_seconds: 3600, plays: 2, unique_viewers: 1 }] };
    expect(watchTimeSeries(watch, 3, today)).toEqual([
      { x: "2026-11-22", y: 0 },
      { x: "2026-11-23", y: 1 },
      { x: "2026-11-24", y: 0 },
    ]);
    const errors = { days: 3, results: [{ day: "2026-11-24", errors: 1, starts: 10, error_rate: 0.1 }] };
    expect(errorRateSeries(errors, 3, today).map((p) => Math.round(p.y))).toEqual([0, 0, 10]);
    const top = { results: [{ movie_id: 4, title: "Paper Moons", plays: 3, watch_seconds: 90, unique_viewers: 2, completions: 1 }] };
    expect(topMoviesSeries(top)).toEqual([{ id: 4, title: "Paper Moons", plays: 3, watchSeconds: 90 }]);
  });

  it("copes with an empty answer", () => {
    expect(topMoviesSeries(null)).toEqual([]);
    expect(watchTimeSeries({})).toEqual([]);
  });
});

describe("quality and retention series", async () => {
  const { hasFigure, qoeDaySeries, renditionItems, retentionSeries } = await import("./stats.js");
  const today = new Date("2026-11-24T15:00:00Z");
  const qoe = {
    days: 3,
    results: [
      { day: "2026-11-24", views: 4, startup_time_p50: 1.2, rebuffer_percentage: 0.5 },
      { day: "2026-11-23", views: 0, startup_time_p50: null, rebuffer_percentage: null },
    ],
    renditions: [{ rendition: "720p", seconds: 90, share: 0.75 }, { rendition: "480p", seconds: 30, share: 0.25 }],
  };

  it("reads a figure per day, days without sessions as 0", () => {
    expect(qoeDaySeries(qoe, "startup_time_p50", 3, today)).toEqual([
      { x: "2026-11-22", y: 0 },
      { x: "2026-11-23", y: 0 },
      { x: "2026-11-24", y: 1.2 },
    ]);
    expect(hasFigure(qoe, "startup_time_p50")).toBe(true);
    expect(hasFigure({ results: [{ day: "2026-11-24", startup_time_p50: null }] }, "startup_time_p50")).toBe(false);
    expect(hasFigure({ results: [{ day: "2026-11-24", views: 0 }] }, "views")).toBe(false);
  });

  it("reads retention points and renditions", () => {
    const data = { points: [{ percent: 0, watching: 100, rewatched: 0 }, { percent: 100, watching: 33.3, rewatched: null }] };
    expect(retentionSeries(data)).toEqual([
      { x: "0 %", y: 100, rewatched: 0 },
      { x: "100 %", y: 33.3, rewatched: null },
    ]);
    expect(retentionSeries(null)).toEqual([]);
    expect(renditionItems(qoe)).toEqual([
      { label: "720p", value: 75 },
      { label: "480p", value: 25 },
    ]);
  });
});
