import { describe, expect, it } from "vitest";
import { coverColors, hashString, initials } from "./cover.js";

describe("covers", () => {
  it("hashes stably", () => {
    expect(hashString("Matrix")).toBe(hashString("Matrix"));
    expect(hashString("Matrix")).not.toBe(hashString("Matrix 2"));
  });

  it("gives the same title the same colours", () => {
    expect(coverColors("Solaris")).toEqual(coverColors("Solaris"));
  });

  it("takes initials from significant words", () => {
    expect(initials("The Dark Knight")).toBe("DK");
    expect(initials("Солярис")).toBe("С");
    expect(initials("  ")).toBe("?");
    expect(initials("The")).toBe("T");
  });
});
