/** Any path the app does not know. */

import { h } from "../dom.js";
import { emptyState } from "../components/ui.js";

export function notFoundPage() {
  return {
    title: "Page not found",
    node: h("div", { class: "page" }, h("h1", { class: "visually-hidden" }, "Page not found"), emptyState("Page not found", "There is nothing at this address.", h("a", { class: "button", href: "/" }, "Go to the catalog"))),
  };
}
