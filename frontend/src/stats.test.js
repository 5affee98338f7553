import { describe, expect, it } from "vitest";
import { errorRateSeries, topMoviesSeries, watchTimeSeries } from "./stats.js";

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

  it("copes with an empty answer", () => {
    expect(topMoviesSeries(null)).toEqual([]);
    expect(watchTimeSeries({})).toEqual([]);
  });
});
