import { describe, expect, it } from "vitest";
import { schemaErrors } from "./schemaCheck.js";

const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["id", "kind", "n"],
  additionalProperties: false,
  properties: {
    id: { type: "string", format: "uuid" },
    kind: { enum: ["a", "b"] },
    n: { type: "number", minimum: 0 },
    d: { type: "number", exclusiveMinimum: 0 },
    at: { type: "string", format: "date-time" },
    name: { type: "string", minLength: 1, maxLength: 3 },
    code: { type: "string" },
  },
  allOf: [{ if: { properties: { kind: { const: "b" } } }, then: { required: ["code"] }, else: { not: { required: ["code"] } } }],
};

const ok = { id: "5f0c7c1e-8d2a-4c1b-9a53-2b0b0e6f1a11", kind: "a", n: 0 };

describe("schemaErrors", () => {
  it("accepts a valid value", () => {
    expect(schemaErrors(schema, ok)).toEqual([]);
    expect(schemaErrors(schema, { ...ok, kind: "b", code: "E1", at: "2026-11-24T16:00:00.123Z", d: 1.5, name: "abc" })).toEqual([]);
  });

  it("names each problem", () => {
    const errors = schemaErrors(schema, { id: "nope", kind: "c", n: -1, d: 0, at: "yesterday", name: "", extra: 1 });
    expect(errors).toEqual(
      expect.arrayContaining([
        "id: must be a uuid",
        "kind: must be one of a, b",
        "n: must be >= 0",
        "d: must be > 0",
        "at: must be a date-time",
        "name: must be at least 1 characters",
        "extra: is not allowed",
      ]),
    );
  });

  it("applies if/then/else", () => {
    expect(schemaErrors(schema, { ...ok, kind: "b" })).toContain("code: is required");
    expect(schemaErrors(schema, { ...ok, code: "x" })).toEqual(["value: is not allowed in this form"]);
  });

  it("reports keywords it does not know instead of ignoring them", () => {
    expect(schemaErrors({ unevaluatedProperties: false }, {})).toEqual([
      'value: the schema uses "unevaluatedProperties", which this checker does not know',
    ]);
  });

  it("follows local $ref", () => {
    const withRef = { $defs: { pos: { type: "number", minimum: 0 } }, properties: { p: { $ref: "#/$defs/pos" } } };
    expect(schemaErrors(withRef, { p: -1 })).toEqual(["p: must be >= 0"]);
  });

  it("treats integers as numbers but not the other way round", () => {
    expect(schemaErrors({ type: "number" }, 3)).toEqual([]);
    expect(schemaErrors({ type: "integer" }, 3.5)).toEqual(["value: must be integer"]);
  });
});
