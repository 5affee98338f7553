import { describe, expect, it } from "vitest";
import { axisTicks, niceScale } from "./charts.js";

describe("niceScale", () => {
  it("rounds the axis up to a nice number", () => {
    expect(niceScale(87)).toEqual({ top: 100, step: 25 });
    expect(niceScale(4)).toEqual({ top: 4, step: 1 });
    expect(niceScale(0.37)).toEqual({ top: 0.4, step: 0.1 });
  });

  it("copes with an empty series", () => {
    expect(niceScale(0)).toEqual({ top: 1, step: 0.25 });
  });
});

describe("axisTicks", () => {
  it("ends at the nice top of the data, once", () => {
    // 0.53 s: the axis stops at 0.6 s, not at the nice top of 0.6 (0.8).
    expect(axisTicks(0.53).map((t) => t.value)).toEqual([0, 0.2, 0.4, 0.6]);
    expect(axisTicks(0.3).map((t) => t.value)).toEqual([0, 0.1, 0.2, 0.3]);
  });
});
