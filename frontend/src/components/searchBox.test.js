import { describe, expect, it } from "vitest";
import { closedState, comboboxAttributes, describeSuggestion, optionId, reduceKey, withSuggestions } from "./searchBox.js";

const items = [
  { type: "movie", id: 1, label: "Solaris", year: 1972, link: "/movies/1" },
  { type: "movie", id: 2, label: "Stalker", year: null, link: "/movies/2" },
  { type: "person", id: 3, label: "Donatas Banionis", role: "Kelvin", link: "/people/3" },
];

function press(state, ...keys) {
  let result = { state };
  for (const key of keys) result = reduceKey(result.state, key);
  return result;
}

describe("search box state", () => {
  it("opens only with focus and suggestions", () => {
    expect(withSuggestions(items, { focused: true })).toEqual({ open: true, items, active: -1 });
    expect(withSuggestions(items, { focused: false }).open).toBe(false);
    expect(withSuggestions([], { focused: true }).open).toBe(false);
    expect(withSuggestions(undefined, { focused: true })).toEqual({ open: false, items: [], active: -1 });
  });

  it("moves the highlight with the arrow keys, wrapping around", () => {
    const open = withSuggestions(items, { focused: true });
    expect(press(open, "ArrowDown").state.active).toBe(0);
    expect(press(open, "ArrowDown", "ArrowDown", "ArrowDown").state.active).toBe(2);
    expect(press(open, "ArrowDown", "ArrowDown", "ArrowDown", "ArrowDown").state.active).toBe(0);
    expect(press(open, "ArrowUp").state.active).toBe(2);
    expect(press(open, "ArrowDown", "ArrowUp").state.active).toBe(2);
    expect(press(open, "ArrowDown", "End").state.active).toBe(2);
    expect(press(open, "ArrowDown", "End", "Home").state.active).toBe(0);
    expect(press(open, "ArrowDown").handled).toBe(true);
  });

  it("reopens a closed list with the arrows", () => {
    const closed = { ...withSuggestions(items, { focused: true }), open: false };
    expect(press(closed, "ArrowDown").state).toMatchObject({ open: true, active: 0 });
    expect(press(closed, "ArrowUp").state).toMatchObject({ open: true, active: 2 });
    expect(press(closedState, "ArrowDown").handled).toBe(false);
  });

  it("Enter opens the highlighted option, otherwise asks for the catalog results", () => {
    const open = withSuggestions(items, { focused: true });
    const chosen = press(open, "ArrowDown", "ArrowDown", "Enter");
    expect(chosen.command).toEqual({ type: "open", item: items[1] });
    expect(chosen.handled).toBe(true);
    expect(chosen.state.open).toBe(false);
    const plain = press(open, "Enter");
    expect(plain.command).toEqual({ type: "search" });
    expect(plain.handled).toBe(false); // the form submits as usual
    expect(plain.state.open).toBe(false);
  });

  it("Escape closes an open list and leaves a closed one to the page", () => {
    const open = press(withSuggestions(items, { focused: true }), "ArrowDown").state;
    const escaped = reduceKey(open, "Escape");
    expect(escaped).toMatchObject({ handled: true, command: null });
    expect(escaped.state).toMatchObject({ open: false, active: -1 });
    expect(reduceKey(escaped.state, "Escape").handled).toBe(false);
  });

  it("ignores other keys", () => {
    const open = withSuggestions(items, { focused: true });
    expect(reduceKey(open, "a")).toEqual({ state: open, handled: false, command: null });
  });
});

describe("search box ARIA", () => {
  it("names the highlighted option only while the list is open", () => {
    const open = withSuggestions(items, { focused: true });
    expect(comboboxAttributes(open, "s")).toEqual({ "aria-expanded": "true", "aria-activedescendant": null });
    const highlighted = press(open, "ArrowDown", "ArrowDown").state;
    expect(comboboxAttributes(highlighted, "s")).toEqual({ "aria-expanded": "true", "aria-activedescendant": optionId("s", 1) });
    expect(comboboxAttributes(closedState, "s")).toEqual({ "aria-expanded": "false", "aria-activedescendant": null });
  });

  it("describes movies and people", () => {
    expect(describeSuggestion(items[0])).toBe("Film · 1972");
    expect(describeSuggestion(items[1])).toBe("Film");
    expect(describeSuggestion(items[2])).toBe("Person · Kelvin");
    expect(describeSuggestion({ type: "person", role: null })).toBe("Person");
  });
});
