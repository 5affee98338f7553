import { describe, expect, it } from "vitest";
import { ageFrom, formatClock, formatDuration } from "./format.js";

describe("format", () => {
  it("formats a clock", () => {
    expect(formatClock(0)).toBe("0:00");
    expect(formatClock(754.9)).toBe("12:34");
    expect(formatClock(3723)).toBe("1:02:03");
  });

  it("formats durations", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(420)).toBe("7 min");
    expect(formatDuration(6120)).toBe("1 h 42 min");
  });

  it("computes age around the birthday", () => {
    expect(ageFrom("1980-06-15", new Date("2026-06-14T00:00:00Z"))).toBe(45);
    expect(ageFrom("1980-06-15", new Date("2026-06-15T00:00:00Z"))).toBe(46);
  });
});

describe("chart units", async () => {
  const { durationUnit, formatPercent, formatSeconds, formatTick, stepDecimals } = await import("./format.js");
  const { axisTicks } = await import("./components/charts.js");

  it("picks seconds, minutes or hours from the largest value", () => {
    expect(durationUnit(0).unit).toBe("s");
    expect(durationUnit(45).unit).toBe("s");
    expect(durationUnit(119).unit).toBe("s");
    expect(durationUnit(120).unit).toBe("min");
    expect(durationUnit(5400).unit).toBe("min");
    expect(durationUnit(7200)).toEqual({ unit: "h", seconds: 3600, label: "Hours" });
  });

  it("gives each tick the decimals its step needs", () => {
    expect(stepDecimals(0.25)).toBe(2);
    expect(stepDecimals(2.5)).toBe(1);
    expect(stepDecimals(10)).toBe(0);
    expect(stepDecimals(0.0001)).toBe(4);
    expect(formatTick(7.5, 2.5, "min")).toBe("7.5 min");
    expect(formatTick(2, 0.5, "h")).toBe("2.0 h");
    expect(formatTick(1000, 500)).toBe("1,000");
  });

  it("labels a small watch time with distinct ticks, not 0.00 h everywhere", () => {
    // 15 s of watching on the busiest day: the axis is in seconds.
    const unit = durationUnit(15);
    const labels = axisTicks(15 / unit.seconds, (v, step) => formatTick(v, step, unit.unit)).map((t) => t.label);
    expect(labels).toEqual(["0 s", "5 s", "10 s", "15 s"]);
    expect(new Set(labels).size).toBe(labels.length);
    // 0.4 h: minutes.
    const minutes = durationUnit(0.4 * 3600);
    expect(axisTicks((0.4 * 3600) / minutes.seconds, (v, step) => formatTick(v, step, minutes.unit)).map((t) => t.label)).toEqual([
      "0 min", "10 min", "20 min", "30 min",
    ]);
    // A tiny fraction still reads distinctly.
    const tiny = axisTicks(0.37, (v, step) => formatTick(v, step, "%")).map((t) => t.label);
    expect(tiny).toEqual(["0.0 %", "0.1 %", "0.2 %", "0.3 %", "0.4 %"]);
  });

  it("formats figures for tables", () => {
    expect(formatSeconds(0.853)).toBe("0.85 s");
    expect(formatSeconds(12.34)).toBe("12.3 s");
    expect(formatSeconds(420)).toBe("7 min");
    expect(formatPercent(null)).toBe("—");
    expect(formatPercent(0.25)).toBe("0.25 %");
    expect(formatPercent(12.5)).toBe("12.5 %");
  });
});
