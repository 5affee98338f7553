/**
 * The search box's suggestions: an ARIA 1.2 combobox (input + listbox) over GET /search/suggest.
 * The keyboard and state rules are pure functions (tested in searchBox.test.js); attachSearchBox
 * wires them to the DOM. Focus never leaves the input: the highlighted option is named by
 * aria-activedescendant, so Tab still moves on to the next control.
 */

import * as api from "../api.js";
import { h, replaceChildren } from "../dom.js";

export const SUGGEST_DEBOUNCE_MS = 120;

export const closedState = Object.freeze({ open: false, items: [], active: -1 });

/** The state once suggestions for the current text arrive; they only open while the box has focus. */
export function withSuggestions(items, { focused }) {
  const list = Array.isArray(items) ? items : [];
  return { open: Boolean(focused) && list.length > 0, items: list, active: -1 };
}

/**
 * What a key does: the next state, whether the browser's default must be stopped, and the command
 * for the page: {type: "open", item} to go to an option, {type: "search"} to show the catalog results.
 */
export function reduceKey(state, key) {
  const count = state.items.length;
  switch (key) {
    case "ArrowDown":
      if (!count) return { state, handled: false, command: null };
      if (!state.open) return { state: { ...state, open: true, active: 0 }, handled: true, command: null };
      return { state: { ...state, active: (state.active + 1) % count }, handled: true, command: null };
    case "ArrowUp":
      if (!count) return { state, handled: false, command: null };
      if (!state.open) return { state: { ...state, open: true, active: count - 1 }, handled: true, command: null };
      return { state: { ...state, active: state.active <= 0 ? count - 1 : state.active - 1 }, handled: true, command: null };
    case "Home":
    case "End":
      if (!state.open || !count) return { state, handled: false, command: null };
      return { state: { ...state, active: key === "Home" ? 0 : count - 1 }, handled: true, command: null };
    case "Enter":
      if (state.open && state.active >= 0 && state.active < count) {
        return { state: closedState, handled: true, command: { type: "open", item: state.items[state.active] } };
      }
      return { state: { ...state, open: false, active: -1 }, handled: false, command: { type: "search" } };
    case "Escape":
      if (!state.open) return { state, handled: false, command: null };
      return { state: { ...state, open: false, active: -1 }, handled: true, command: null };
    default:
      return { state, handled: false, command: null };
  }
}

export function optionId(listboxId, index) {
  return `${listboxId}-option-${index}`;
}

/** The combobox input's ARIA attributes for a state (null: remove the attribute). */
export function comboboxAttributes(state, listboxId) {
  return {
    "aria-expanded": state.open ? "true" : "false",
    "aria-activedescendant": state.open && state.active >= 0 ? optionId(listboxId, state.active) : null,
  };
}

/** The small print beside a suggestion: "Film · 1972", "Person · Kelvin". */
export function describeSuggestion(item) {
  if (item.type === "person") return ["Person", item.role].filter(Boolean).join(" · ");
  return ["Film", item.year].filter(Boolean).join(" · ");
}

/**
 * Turns `input` into a combobox with a suggestions listbox (returned; the page places it).
 * onOpen(item) follows a chosen suggestion; onSearch() asks for the full catalog results.
 */
export function attachSearchBox(input, { listboxId = "search-suggestions", onOpen, onSearch, label = "Suggestions" }) {
  let state = closedState;
  let timer = null;
  let controller = null;
  let closing = null;

  const listbox = h("ul", { class: "suggest", id: listboxId, role: "listbox", "aria-label": label, hidden: true });
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", listboxId);

  function render() {
    for (const [name, value] of Object.entries(comboboxAttributes(state, listboxId))) {
      if (value === null) input.removeAttribute(name);
      else input.setAttribute(name, value);
    }
    listbox.hidden = !state.open;
    replaceChildren(
      listbox,
      state.open
        ? state.items.map((item, index) =>
            h(
              "li",
              {
                id: optionId(listboxId, index),
                role: "option",
                class: ["suggest__option", index === state.active && "suggest__option--active"],
                "aria-selected": index === state.active ? "true" : "false",
                dataset: { type: item.type },
                // Keep the focus in the input: the click still chooses the option.
                onmousedown: (event) => event.preventDefault(),
                onclick: () => choose(item),
              },
              h("span", { class: "suggest__label" }, item.label),
              h("span", { class: "suggest__meta" }, describeSuggestion(item)),
            ),
          )
        : [],
    );
    const active = state.open && state.active >= 0 ? listbox.children[state.active] : null;
    if (active && active.scrollIntoView) active.scrollIntoView({ block: "nearest" });
  }

  function setState(next) {
    state = next;
    render();
  }

  function choose(item) {
    setState(closedState);
    onOpen(item);
  }

  async function fetchSuggestions(text) {
    if (controller) controller.abort();
    if (!text) {
      setState(closedState);
      return;
    }
    controller = new AbortController();
    const { signal } = controller;
    try {
      const data = await api.suggest(text, { signal });
      if (signal.aborted || input.value.trim() !== text) return;
      setState(withSuggestions(data.results, { focused: document.activeElement === input }));
    } catch (error) {
      if (error && error.name === "AbortError") return;
      setState(closedState); // suggestions are a convenience: the catalog search still works
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    timer = setTimeout(() => fetchSuggestions(text), SUGGEST_DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    const { state: next, handled, command } = reduceKey(state, event.key);
    if (handled) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
    if (next !== state) setState(next);
    if (command && command.type === "open") onOpen(command.item);
    else if (command && command.type === "search" && onSearch) onSearch();
  });
  input.addEventListener("focus", () => clearTimeout(closing));
  input.addEventListener("blur", () => {
    // Later, so a click on an option (or on the page under the list) lands before the list goes.
    closing = setTimeout(() => setState({ ...state, open: false, active: -1 }), 150);
  });

  return {
    listbox,
    close: () => setState({ ...state, open: false, active: -1 }),
    destroy() {
      clearTimeout(timer);
      clearTimeout(closing);
      if (controller) controller.abort();
    },
  };
}
