/**
 * The catalog's state in the URL (`/?q=&language=&genre=&year_from=&year_to=&country=&age_rating=&ordering=&page=`):
 * parsed from and written back to the query string, so a search is shareable and the back button steps through it.
 */

export const PAGE_SIZE = 24;

export const AGE_RATINGS = Object.freeze(["0+", "6+", "12+", "16+", "18+"]);
export const ORDERINGS = Object.freeze(["", "title", "-year", "year", "-popularity", "-created"]);
// The filters (genres, yearFrom, yearTo, country, ageRating, ordering) appear in a state only when set.
const DEFAULTS = Object.freeze({ q: "", language: "", page: 1 });
const LANGUAGE_RE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const SLUG_RE = /^[\p{L}\p{N}_-]{1,64}$/u;
const COUNTRY_RE = /^[A-Z]{2}$/;
const MAX_QUERY = 100; // the API's limit on `q`
const YEAR_MIN = 1870;
const YEAR_MAX = 2100;

function year(raw) {
  if (!/^[0-9]{4}$/.test(raw || "")) return null;
  const value = Number(raw);
  return value >= YEAR_MIN && value <= YEAR_MAX ? value : null;
}

/** Genre slugs from `genre=a,b&genre=c`: valid ones, each once, in order. */
function genreList(params) {
  const slugs = params.getAll("genre").flatMap((raw) => raw.split(",")).map((slug) => slug.trim().toLowerCase());
  return [...new Set(slugs.filter((slug) => SLUG_RE.test(slug)))];
}

/** Reads catalog state from a query string or URLSearchParams; unknown or bad values fall back to defaults. */
export function parseCatalogState(search) {
  const params = search instanceof URLSearchParams ? search : new URLSearchParams(search || "");
  const q = (params.get("q") || "").replace(/\s+/g, " ").trim().slice(0, MAX_QUERY);
  const language = (params.get("language") || "").trim();
  const page = Number.parseInt(params.get("page") || "", 10);
  const country = (params.get("country") || "").trim().toUpperCase();
  const ageRating = (params.get("age_rating") || "").trim();
  const ordering = (params.get("ordering") || "").trim();
  const filters = {
    genres: genreList(params),
    yearFrom: year(params.get("year_from")),
    yearTo: year(params.get("year_to")),
    country: COUNTRY_RE.test(country) ? country : "",
    ageRating: AGE_RATINGS.includes(ageRating) ? ageRating : "",
    ordering: ORDERINGS.includes(ordering) ? ordering : "",
  };
  const state = { q, language: LANGUAGE_RE.test(language) ? language : "", page: Number.isInteger(page) && page >= 1 && page <= 100000 ? page : 1 };
  for (const [key, value] of Object.entries(filters)) {
    if (Array.isArray(value) ? value.length : value) state[key] = value;
  }
  return state;
}

/** Whether any filter beyond the search is set. */
export function hasFilters(state) {
  return Boolean((state.genres && state.genres.length) || state.yearFrom || state.yearTo || state.country || state.ageRating);
}

/** The list API's filter parameters for a catalog state (empty ones left out by the API client). */
export function catalogFilters(state) {
  return {
    genre: (state.genres || []).join(","),
    year_from: state.yearFrom ?? "",
    year_to: state.yearTo ?? "",
    country: state.country || "",
    age_rating: state.ageRating || "",
    ordering: state.ordering || "",
  };
}

/** The state with genre `slug` switched on or off. */
export function toggleGenre(state, slug) {
  const genres = state.genres || [];
  return { genres: genres.includes(slug) ? genres.filter((g) => g !== slug) : [...genres, slug] };
}

/** Writes catalog state as a query string ("" or "?..."), leaving defaults out so URLs stay short. */
export function formatCatalogState(state) {
  const merged = { ...DEFAULTS, ...state };
  const params = new URLSearchParams();
  const q = String(merged.q || "").trim();
  if (q) params.set("q", q);
  if (merged.language) params.set("language", merged.language);
  if (merged.genres && merged.genres.length) params.set("genre", merged.genres.join(","));
  if (merged.yearFrom) params.set("year_from", String(merged.yearFrom));
  if (merged.yearTo) params.set("year_to", String(merged.yearTo));
  if (merged.country) params.set("country", merged.country);
  if (merged.ageRating) params.set("age_rating", merged.ageRating);
  if (merged.ordering) params.set("ordering", merged.ordering);
  if (merged.page && merged.page > 1) params.set("page", String(merged.page));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The state after a change: a new search or filter goes back to page 1; turning pages keeps the search. */
export function nextCatalogState(current, change) {
  const next = { ...DEFAULTS, ...current, ...change };
  const keys = ["q", "language", "genres", "yearFrom", "yearTo", "country", "ageRating", "ordering"];
  const searchChanged = keys.some((key) => key in change && JSON.stringify(change[key]) !== JSON.stringify(current[key]));
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
