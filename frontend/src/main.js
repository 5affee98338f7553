/** Starts the app: header, the playback event queue, and the router that renders pages. */

import "./styles/main.css";
import { accountRoutes } from "./account/pages.js";
import { accountNav } from "./account/widgets.js";
import { beaconEvents, postEvents } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { catalogPage } from "./pages/catalog.js";
import { moviePage } from "./pages/movie.js";
import { notFoundPage } from "./pages/notFound.js";
import { personPage } from "./pages/person.js";
import { statsPage } from "./pages/stats.js";
import { eventErrors } from "./player/contract.js";
import { EventQueue } from "./player/eventQueue.js";
import { createRouter } from "./router.js";
import { DESCRIPTION_LANGUAGES, descriptionLanguage, setDescriptionLanguage } from "./viewer.js";

/** localStorage, or a page-lifetime stand-in where the browser refuses it (storage disabled). */
function eventStorage() {
  try {
    window.localStorage.getItem("cinema.probe");
    return window.localStorage;
  } catch {
    const memory = new Map();
    return { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, String(v)), removeItem: (k) => memory.delete(k) };
  }
}

const queue = new EventQueue({
  storage: eventStorage(),
  send: postEvents,
  beacon: beaconEvents,
  isOnline: () => navigator.onLine !== false,
  validate: eventErrors,
});
queue.attach(window, document);

let router;
const shared = {
  queue,
  refresh: () => router.refresh(),
  setTitle: (title) => router.setTitle(title),
};

const routes = [
  { name: "catalog", path: /^\/$/, page: (ctx) => catalogPage(ctx) },
  { name: "movie", path: /^\/movies\/(?<id>\d+)\/?$/, page: (ctx) => moviePage(ctx, shared) },
  { name: "person", path: /^\/people\/(?<id>\d+)\/?$/, page: (ctx) => personPage(ctx, shared) },
  { name: "stats", path: /^\/stats\/?$/, page: (ctx) => statsPage(ctx) },
  ...accountRoutes(),
];

function renderHeader(header) {
  const nav = h(
    "nav",
    { class: "site-nav", "aria-label": "Main" },
    h("a", { class: "site-nav__link", href: "/", dataset: { route: "catalog" } }, "Catalog"),
    h("a", { class: "site-nav__link", href: "/stats", dataset: { route: "stats" } }, "Statistics"),
  );
  const lang = descriptionLanguage();
  const switcher = h(
    "div",
    { class: "segmented segmented--small", role: "group", "aria-label": "Language of descriptions" },
    DESCRIPTION_LANGUAGES.map((l) =>
      h(
        "button",
        {
          type: "button",
          class: "segmented__option",
          lang: l.code,
          title: l.label,
          "aria-pressed": String(l.code === lang),
          "aria-label": `Descriptions in ${l.label}`,
          onclick: () => {
            if (l.code === descriptionLanguage()) return;
            setDescriptionLanguage(l.code);
            for (const button of switcher.children) button.setAttribute("aria-pressed", String(button.lang === l.code));
            router.refresh();
          },
        },
        l.short,
      ),
    ),
  );
  const offline = h("span", { class: "offline-badge", role: "status", hidden: true });
  // Only offline is worth a word: online, events leave within seconds and the badge would flicker.
  const updateOffline = () => {
    const waiting = queue.pending().length;
    offline.hidden = navigator.onLine !== false;
    offline.textContent = `Offline${waiting ? ` · ${waiting === 1 ? "1 event" : `${waiting} events`} saved` : ""}`;
  };
  queue.subscribe(updateOffline);
  window.addEventListener("online", updateOffline);
  window.addEventListener("offline", updateOffline);
  updateOffline();

  replaceChildren(
    header,
    h(
      "div",
      { class: "site-header__inner" },
      h("a", { class: "logo", href: "/", "aria-label": "Kinoteka, home" }, h("span", { class: "logo__mark", "aria-hidden": "true" }, "▶"), h("span", { class: "logo__text" }, "Kinoteka")),
      nav,
      h("div", { class: "site-header__tools" }, offline, switcher, accountNav({ onSignOut: () => router.navigate("/") })),
    ),
  );
}

const header = document.getElementById("site-header");
renderHeader(header);

router = createRouter({
  routes,
  outlet: document.getElementById("main"),
  notFound: () => notFoundPage(),
  onChange: (route) => {
    // A page may have changed the description language (the movie page has its own switch).
    const lang = descriptionLanguage();
    for (const button of header.querySelectorAll(".segmented__option[lang]")) button.setAttribute("aria-pressed", String(button.lang === lang));
    for (const link of header.querySelectorAll("[data-route]")) {
      if (link.dataset.route === route.name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  },
});
router.start();
