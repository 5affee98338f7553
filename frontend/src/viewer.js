/** Who is watching and in which language descriptions are read: kept in localStorage, stable across visits. */

import { uuid4 } from "./player/tracker.js";

const VIEWER_KEY = "cinema.viewer_id";
const LANG_KEY = "cinema.description_lang";
export const DESCRIPTION_LANGUAGES = [
  { code: "en", label: "English", short: "EN" },
  { code: "ru", label: "Русский", short: "RU" },
];

function store() {
  try {
    return globalThis.localStorage;
  } catch {
    return null; // storage disabled: work for this page view only
  }
}

let memoryViewer = null;
let accountViewer = null;

/** While signed in, events name the account (`user:<id>`, from the API) instead of the browser. */
export function setAccountViewerId(id) {
  accountViewer = id || null;
}

/** The browser's anonymous id, whoever is signed in: what the API merges into an account at sign-in. */
export function anonymousViewerId() {
  const storage = store();
  let id = storage && storage.getItem(VIEWER_KEY);
  if (!id || !/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
    id = memoryViewer || `v-${uuid4()}`;
    memoryViewer = id;
    if (storage) storage.setItem(VIEWER_KEY, id);
  }
  return id;
}

/** The viewer id events carry: the signed-in account's, else the anonymous `v-` + a UUID of this browser. */
export function viewerId() {
  return accountViewer || anonymousViewerId();
}

/** The language descriptions are shown in: the saved choice, else the browser's, else English. */
export function descriptionLanguage() {
  const storage = store();
  const saved = storage && storage.getItem(LANG_KEY);
  if (DESCRIPTION_LANGUAGES.some((l) => l.code === saved)) return saved;
  const browser = (globalThis.navigator && navigator.language) || "en";
  return browser.toLowerCase().startsWith("ru") ? "ru" : "en";
}

export function setDescriptionLanguage(code) {
  const storage = store();
  if (storage) storage.setItem(LANG_KEY, code);
}
