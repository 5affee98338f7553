/**
 * The catalog's state in the URL (`/?q=&language=&page=`): parsed from and written back to the
 * query string, so a search is shareable and the back button steps through it.
 */

export const PAGE_SIZE = 24;

const DEFAULTS = Object.freeze({ q: "", language: "", page: 1 });
const LANGUAGE_RE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const MAX_QUERY = 100; // the API's limit on `q`

/** Reads catalog state from a query string or URLSearchParams; unknown or bad values fall back to defaults. */
export function parseCatalogState(search) {
  const params = search instanceof URLSearchParams ? search : new URLSearchParams(search || "");
  const q = (params.get("q") || "").replace(/\s+/g, " ").trim().slice(0, MAX_QUERY);
  const language = (params.get("language") || "").trim();
  const page = Number.parseInt(params.get("page") || "", 10);
  return {
    q,
    language: LANGUAGE_RE.test(language) ? language : "",
    page: Number.isInteger(page) && page >= 1 && page <= 100000 ? page : 1,
  };
}

/** Writes catalog state as a query string ("" or "?..."), leaving defaults out so URLs stay short. */
export function formatCatalogState(state) {
  const merged = { ...DEFAULTS, ...state };
  const params = new URLSearchParams();
  const q = String(merged.q || "").trim();
  if (q) params.set("q", q);
  if (merged.language) params.set("language", merged.language);
  if (merged.page && merged.page > 1) params.set("page", String(merged.page));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The state after a change: a new search or filter goes back to page 1; turning pages keeps the search. */
export function nextCatalogState(current, change) {
  const next = { ...DEFAULTS, ...current, ...change };
  const searchChanged = ("q" in change && change.q !== current.q) || ("language" in change && change.language !== current.language);
  if (searchChanged && !("page" in change)) next.page = 1;
  return next;
}

/** limit/offset for the API from a page number. */
export function pageToRange(page, pageSize = PAGE_SIZE) {
  return { limit: pageSize, offset: (Math.max(1, page) - 1) * pageSize };
}

/** How many pages `count` results make (at least 1, so "page 1 of 1" reads right when empty). */
export function pageCount(count, pageSize = PAGE_SIZE) {
  return Math.max(1, Math.ceil((count || 0) / pageSize));
}

/**
 * The page numbers to show in a pager: first, last, the current one and its neighbours, with null
 * where a gap is (rendered as an ellipsis).
 */
export function pagerItems(current, total, spread = 1) {
  const wanted = new Set([1, total]);
  for (let p = current - spread; p <= current + spread; p += 1) if (p >= 1 && p <= total) wanted.add(p);
  const pages = [...wanted].sort((a, b) => a - b);
  const items = [];
  pages.forEach((p, i) => {
    if (i > 0 && p - pages[i - 1] > 1) items.push(null);
    items.push(p);
  });
  return items;
}
