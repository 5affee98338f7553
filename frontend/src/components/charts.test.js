import { describe, expect, it } from "vitest";
import { niceScale } from "./charts.js";

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
