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
