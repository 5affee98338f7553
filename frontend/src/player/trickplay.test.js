import { describe, expect, it } from "vitest";

import { cueAt, parseThumbnailsVtt, parseTimestamp, timeAtPointer } from "./trickplay.js";

const TRACK = `WEBVTT

00:00:00.000 --> 00:00:10.000
/api/v1/movies/7/trickplay/3/0.jpg#xywh=0,0,160,90

00:00:10.000 --> 00:00:20.000
/api/v1/movies/7/trickplay/3/0.jpg#xywh=160,0,160,90

note without an image

00:00:20.000 --> 00:00:24.500
sheet-1.jpg#xywh=0,90,160,90
`;

describe("parseThumbnailsVtt", () => {
  it("reads each cue's times, image and rectangle", () => {
    const cues = parseThumbnailsVtt(TRACK, "http://cinema.test/api/v1/movies/7/trickplay.vtt");
    expect(cues).toHaveLength(3);
    expect(cues[1]).toEqual({ start: 10, end: 20, url: "http://cinema.test/api/v1/movies/7/trickplay/3/0.jpg", x: 160, y: 0, w: 160, h: 90 });
    expect(cues[2].url).toBe("http://cinema.test/api/v1/movies/7/sheet-1.jpg");
    expect(cues[2].end).toBe(24.5);
  });

  it("accepts CRLF, a BOM and hour-less timestamps", () => {
    const cues = parseThumbnailsVtt("\uFEFFWEBVTT\r\n\r\n01:05.250 --> 01:15.000\r\na.jpg#xywh=1,2,3,4\r\n", "http://x/");
    expect(cues).toEqual([{ start: 65.25, end: 75, url: "http://x/a.jpg", x: 1, y: 2, w: 3, h: 4 }]);
  });

  it("refuses what is not a WebVTT file", () => {
    expect(parseThumbnailsVtt("<html>", "http://x/")).toEqual([]);
    expect(parseThumbnailsVtt("", "http://x/")).toEqual([]);
  });
});

describe("cueAt", () => {
  const cues = parseThumbnailsVtt(TRACK, "http://x/");
  it("finds the cue covering a time", () => {
    expect(cueAt(cues, 0).x).toBe(0);
    expect(cueAt(cues, 9.99).x).toBe(0);
    expect(cueAt(cues, 10).x).toBe(160);
    expect(cueAt(cues, 23).y).toBe(90);
    expect(cueAt(cues, 999).y).toBe(90);
    expect(cueAt([], 3)).toBeNull();
  });
});

describe("timeAtPointer and parseTimestamp", () => {
  it("maps the pointer to a time, clamped", () => {
    const rect = { left: 100, width: 200 };
    expect(timeAtPointer(200, rect, 60)).toBe(30);
    expect(timeAtPointer(50, rect, 60)).toBe(0);
    expect(timeAtPointer(400, rect, 60)).toBe(60);
    expect(timeAtPointer(200, rect, NaN)).toBe(0);
  });
  it("parses timestamps", () => {
    expect(parseTimestamp("01:02:03.450")).toBeCloseTo(3723.45);
  });
});
