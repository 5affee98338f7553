/**
 * The REST API client: the only module that talks to the network (fetch and sendBeacon).
 * Every call resolves to parsed JSON or rejects with an ApiError that carries a message a viewer can read.
 */

import { viewerId } from "./viewer.js";

const BASE = "/api/v1";
export const EVENTS_URL = `${BASE}/activity/events`;

export class ApiError extends Error {
  constructor(message, { status = 0, code = "network_error" } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

function query(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function csrfToken() {
  const match = globalThis.document && document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : null;
}

/** One API call (the account module's calls go through here too). */
export async function request(path, { params, signal, method = "GET", body } = {}) {
  const headers = { Accept: "application/json", "X-Viewer-Id": viewerId() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // A signed-in editor browsing the app sends Django's session cookie, so writes need the CSRF token.
  const token = method !== "GET" && csrfToken();
  if (token) headers["X-CSRFToken"] = token;
  let response;
  try {
    response = await fetch(`${BASE}${path}${query(params)}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "same-origin",
      // Always revalidate (ETag -> 304): without Cache-Control the browser may reuse an answer by
      // heuristic freshness, and a movie's `resume` and a fresh override must show at once.
      cache: "no-cache",
      keepalive: method !== "GET",
    });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError("Cannot reach the server. Check your connection and try again.");
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const detail = data && (data.detail || Object.values(data).flat().join(" "));
    const message =
      response.status === 404 ? "Not found." : detail || `The server answered ${response.status}. Please try again later.`;
    throw new ApiError(String(message), { status: response.status, code: (data && data.code) || `http_${response.status}` });
  }
  return data;
}

// --- Catalog ------------------------------------------------------------------------------------

/** A page of movies: {count, next, previous, results, facets?}; `filters` as urlState.catalogFilters gives them. */
export function listMovies({ q, language, limit, offset, lang, ordering, filters, facets } = {}, { signal } = {}) {
  return request("/movies/", { params: { q, language, limit, offset, lang, ordering, ...(filters || {}), facets }, signal });
}

/** "More like this": up to 12 published movies sharing genres, people and years. */
export function similarMovies(id, { lang, signal } = {}) {
  return request(`/movies/${encodeURIComponent(id)}/similar/`, { params: { lang }, signal });
}

/** Every genre with its movie count. */
export function listGenres({ lang, signal } = {}) {
  return request("/genres/", { params: { lang }, signal });
}

/** Up to 8 movies and people for the search box: {interpreted_as, results: [{type, id, label, year, role, link}]}. */
export function suggest(q, { signal } = {}) {
  return request("/search/suggest", { params: { q }, signal });
}

/** One movie with its description, cast, video and this viewer's resume position. */
export function getMovie(id, { lang, signal } = {}) {
  return request(`/movies/${encodeURIComponent(id)}/`, { params: { lang }, signal });
}

export function getPerson(id, { signal } = {}) {
  return request(`/people/${encodeURIComponent(id)}/`, { signal });
}

/** A movie's seek-preview track (WebVTT text) from the `trickplay_url` the movie detail gave. */
export async function getTrickplayTrack(url, { signal } = {}) {
  if (!String(url).startsWith(`${BASE}/`)) throw new ApiError("Not an API URL.");
  let response;
  try {
    response = await fetch(url, { signal, credentials: "same-origin", headers: { Accept: "text/vtt" } });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError("Cannot reach the server. Check your connection and try again.");
  }
  if (!response.ok) throw new ApiError(`The server answered ${response.status}.`, { status: response.status, code: `http_${response.status}` });
  return response.text();
}

// --- This viewer ----------------------------------------------------------------------------------

export function continueWatching({ signal } = {}) {
  return request("/me/continue-watching", { signal });
}

// --- Statistics -----------------------------------------------------------------------------------

export function topMovies(params = {}, { signal } = {}) {
  return request("/analytics/top-movies", { params, signal });
}

export function watchTime(params = {}, { signal } = {}) {
  return request("/analytics/watch-time", { params, signal });
}

export function errorRate(params = {}, { signal } = {}) {
  return request("/analytics/error-rate", { params, signal });
}

/** Playback quality across the catalog: {days, summary, renditions, movies}. */
export function analyticsOverview(params = {}, { signal } = {}) {
  return request("/analytics/overview", { params, signal });
}

/** Playback quality per day, for the catalog or one movie: {days, movie_id, summary, renditions, results}. */
export function analyticsQoe(params = {}, { signal } = {}) {
  return request("/analytics/qoe", { params, signal });
}

/** A movie's audience retention: {movie_id, title, sessions, duration, completion_rate, points}. */
export function analyticsRetention(params = {}, { signal } = {}) {
  return request("/analytics/retention", { params, signal });
}

// --- Playback events ------------------------------------------------------------------------------

/** POSTs a batch; resolves to {status} whatever the status, rejects only when the network fails. */
export async function postEvents(events) {
  const headers = { "Content-Type": "application/json", Accept: "application/json", "X-Viewer-Id": viewerId() };
  const token = csrfToken();
  if (token) headers["X-CSRFToken"] = token;
  const response = await fetch(EVENTS_URL, {
    method: "POST",
    headers,
    body: JSON.stringify({ events }),
    credentials: "same-origin",
    keepalive: true,
  });
  return { status: response.status };
}

/** Hands a batch to the browser to deliver after the page is gone. True when the browser took it. */
export function beaconEvents(events) {
  if (!globalThis.navigator || typeof navigator.sendBeacon !== "function") return false;
  const blob = new Blob([JSON.stringify({ events })], { type: "application/json" });
  return navigator.sendBeacon(EVENTS_URL, blob);
}
