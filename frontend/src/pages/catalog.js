/** The home page: continue watching, search as you type, language filter and a paged grid of films. */

import * as api from "../api.js";
import { announce, h, replaceChildren } from "../dom.js";
import { formatClock, languageName, plural } from "../format.js";
import { myListButton } from "../account/widgets.js";
import { attachSearchBox } from "../components/searchBox.js";
import { emptyState, errorState, movieCard, pager, progressBar, skeletonGrid } from "../components/ui.js";
import {
  AGE_RATINGS,
  catalogFilters,
  formatCatalogState,
  hasFilters,
  nextCatalogState,
  pageCount,
  pageToRange,
  parseCatalogState,
  toggleGenre,
} from "../urlState.js";
import { descriptionLanguage } from "../viewer.js";

export const SEARCH_DEBOUNCE_MS = 300;
const FILTER_LANGUAGES = ["en", "ru", "fr", "de", "es", "it", "ja", "ko", "zh", "pt", "sv", "pl", "tr", "hi"];
const FACETS = "genre,year,country,age_rating";
const SORTS = [["", "Best match / title"], ["-popularity", "Most watched (30 days)"], ["-year", "Newest first"], ["year", "Oldest first"], ["title", "Title A–Z"], ["-created", "Recently added"]];

function countOf(facet, value) {
  const item = (facet || []).find((entry) => String(entry.value) === String(value));
  return item ? item.count : 0;
}

/** Genre chips, year range, country, age rating and sort, each value with its count within the current filters. */
function filterPanel(state, facets, commit) {
  const genres = [...(facets.genre || [])];
  for (const slug of state.genres || []) if (!genres.some((g) => g.value === slug)) genres.push({ value: slug, label: slug, count: 0 });
  const chips = h(
    "div",
    { class: "chips", role: "group", "aria-label": "Genres" },
    genres.map((genre) => {
      const on = (state.genres || []).includes(genre.value);
      return h(
        "button",
        { type: "button", class: `chip${on ? " chip--on" : ""}`, "aria-pressed": on ? "true" : "false", "data-genre": genre.value, onclick: () => commit(toggleGenre(state, genre.value)) },
        genre.label,
        " ",
        h("span", { class: "chip__count" }, String(genre.count)),
      );
    }),
  );
  const yearInput = (id, label, key) => {
    const input = h("input", { type: "number", id, min: 1870, max: 2100, step: 1, inputmode: "numeric", value: state[key] || "", placeholder: "any" });
    input.addEventListener("change", () => commit({ [key]: /^[0-9]{4}$/.test(input.value) ? Number(input.value) : null }));
    return h("div", { class: "field field--small" }, h("label", { for: id, class: "field__label" }, label), input);
  };
  const years = (facets.year || []).map((y) => y.value);
  const country = h(
    "select",
    { id: "catalog-country", onchange: (event) => commit({ country: event.target.value }) },
    h("option", { value: "" }, "Any country"),
    (facets.country || []).map((c) => h("option", { value: c.value }, `${c.label} (${c.count})`)),
  );
  if (state.country && !(facets.country || []).some((c) => c.value === state.country)) country.append(h("option", { value: state.country }, `${state.country} (0)`));
  country.value = state.country || "";
  const rating = h(
    "select",
    { id: "catalog-age", onchange: (event) => commit({ ageRating: event.target.value }) },
    h("option", { value: "" }, "Any age"),
    AGE_RATINGS.map((r) => h("option", { value: r }, `${r} (${countOf(facets.age_rating, r)})`)),
  );
  rating.value = state.ageRating || "";
  const sort = h("select", { id: "catalog-sort", onchange: (event) => commit({ ordering: event.target.value }) }, SORTS.map(([value, label]) => h("option", { value }, label)));
  sort.value = state.ordering || "";
  return h(
    "div",
    { class: "filters", "aria-label": "Filters" },
    chips,
    h(
      "div",
      { class: "filters__row" },
      yearInput("catalog-year-from", years.length ? `From year (${years[years.length - 1]}–)` : "From year", "yearFrom"),
      yearInput("catalog-year-to", years.length ? `To year (–${years[0]})` : "To year", "yearTo"),
      h("div", { class: "field" }, h("label", { for: "catalog-country", class: "field__label" }, "Country"), country),
      h("div", { class: "field" }, h("label", { for: "catalog-age", class: "field__label" }, "Age rating"), rating),
      h("div", { class: "field" }, h("label", { for: "catalog-sort", class: "field__label" }, "Sort"), sort),
      hasFilters(state) ? h("a", { class: "button button--ghost", href: `/${formatCatalogState({ q: state.q, language: state.language })}` }, "Clear filters") : null,
    ),
  );
}

/** Continue-watching entries in one shape, whatever the list endpoint wraps them in. */
function continueItems(data) {
  const items = Array.isArray(data) ? data : (data && data.results) || [];
  return items
    .map((item) => {
      const movie = item.movie && typeof item.movie === "object" ? item.movie : { id: item.movie_id ?? item.movie, title: item.title, language: item.language };
      return { movie, position: Number(item.position) || 0, duration: Number(item.duration) || 0 };
    })
    .filter((i) => i.movie && i.movie.id && i.movie.title);
}

function continueRow(signal) {
  const section = h("section", { class: "row", "aria-labelledby": "continue-title", hidden: true });
  api
    .continueWatching({ signal })
    .then((data) => {
      const items = continueItems(data);
      if (!items.length) return;
      replaceChildren(
        section,
        h("h2", { class: "row__title", id: "continue-title" }, "Continue watching"),
        h(
          "ul",
          { class: "row__list" },
          items.map((item) =>
            movieCard(item.movie, {
              extra: h(
                "div",
                { class: "card__resume" },
                progressBar(item.position, item.duration, `Watched ${formatClock(item.position)} of ${formatClock(item.duration)}`),
                h("span", { class: "card__hint" }, item.duration ? `${formatClock(item.position)} / ${formatClock(item.duration)}` : `at ${formatClock(item.position)}`),
              ),
            }),
          ),
        ),
      );
      section.hidden = false;
    })
    .catch(() => {
      // The row is a convenience: without it the catalog still works, so it just stays hidden.
    });
  return section;
}

export function catalogPage(ctx) {
  let state = parseCatalogState(ctx.url.search);
  let debounce = null;
  let currentSignal = ctx.signal;

  const input = h("input", {
    type: "search",
    id: "catalog-search",
    name: "q",
    value: state.q,
    placeholder: "Search films, actors, plots — typos are fine",
    autocomplete: "off",
    spellcheck: false,
    maxLength: 100,
    "aria-describedby": "catalog-status",
  });
  // First, so that Escape and Enter reach the suggestions before the page's own handlers.
  const searchBox = attachSearchBox(input, { listboxId: "catalog-suggestions", label: "Suggestions", onOpen: (item) => ctx.navigate(item.link) });
  const select = h(
    "select",
    { id: "catalog-language", name: "language" },
    h("option", { value: "" }, "All languages"),
    FILTER_LANGUAGES.map((code) => h("option", { value: code }, languageName(code))),
  );
  if (state.language && !FILTER_LANGUAGES.includes(state.language)) select.append(h("option", { value: state.language }, languageName(state.language)));
  select.value = state.language;

  const status = h("p", { class: "catalog__status", id: "catalog-status", "aria-live": "polite" });
  // When the server read the query another way (keyboard layout, transliteration), it says so.
  const interpreted = h("p", { class: "catalog__interpreted", id: "catalog-interpreted", hidden: true });
  const results = h("div", { class: "catalog__results" });
  const pagerSlot = h("div", { class: "catalog__pager" });
  const filtersSlot = h("div", { class: "catalog__filters" });
  const rowSlot = h("div", {});

  function commit(change) {
    clearTimeout(debounce);
    const next = nextCatalogState(state, change);
    if (formatCatalogState(next) === formatCatalogState(state)) return;
    // Refining a search replaces its history entry: Back returns to before the search, not to each word typed.
    const refining = "q" in change && Boolean(state.q) && Boolean(next.q);
    ctx.navigate(`/${formatCatalogState(next)}`, { focus: false, replace: refining });
  }

  input.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => commit({ q: input.value.replace(/\s+/g, " ").trim() }), SEARCH_DEBOUNCE_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && input.value) {
      input.value = "";
      commit({ q: "" });
    }
  });
  select.addEventListener("change", () => commit({ language: select.value }));

  const form = h(
    "form",
    {
      class: "searchbar",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        commit({ q: input.value.replace(/\s+/g, " ").trim() });
      },
    },
    h("div", { class: "field field--grow" }, h("label", { for: "catalog-search", class: "field__label" }, "Search films"), h("div", { class: "field__search" }, h("span", { class: "field__icon", "aria-hidden": "true" }, "⌕"), input)),
    h("div", { class: "field" }, h("label", { for: "catalog-language", class: "field__label" }, "Original language"), select),
    searchBox.listbox,
  );

  async function load(signal) {
    const { limit, offset } = pageToRange(state.page);
    replaceChildren(results, skeletonGrid(8));
    status.textContent = "Loading films…";
    replaceChildren(pagerSlot);
    interpreted.hidden = true;
    try {
      const data = await api.listMovies(
        { q: state.q, language: state.language, limit, offset, lang: descriptionLanguage(), filters: catalogFilters(state), facets: FACETS },
        { signal },
      );
      if (signal.aborted) return;
      replaceChildren(filtersSlot, filterPanel(state, data.facets || {}, commit));
      const total = pageCount(data.count);
      if (data.interpreted_as) {
        replaceChildren(interpreted, "Showing results for ", h("strong", {}, `“${data.interpreted_as}”`));
        interpreted.hidden = false;
      }
      if (!data.results.length) {
        const filtered = state.q || state.language || hasFilters(state);
        status.textContent = filtered ? "Nothing found" : "No films yet";
        replaceChildren(
          results,
          emptyState(
            filtered ? "Nothing found" : "No films yet",
            state.q ? `No film matches “${state.q}”${state.language ? ` in ${languageName(state.language)}` : ""}. Check the spelling or try fewer words.` : hasFilters(state) ? "No film matches these filters." : filtered ? `No films in ${languageName(state.language)} yet.` : "The catalog is empty: load the demo data with manage.py load_demo.",
            filtered ? h("a", { class: "button button--ghost", href: "/" }, "Clear search and filters") : null,
          ),
        );
        announce(status.textContent);
        return;
      }
      const found = state.q ? `${plural(data.count, "film")} found for “${state.q}”` : `${plural(data.count, "film")}`;
      status.textContent = total > 1 ? `${found} · page ${state.page} of ${total}` : found;
      replaceChildren(results, h("ul", { class: "grid" }, data.results.map((movie) => movieCard(movie, { action: myListButton(movie.id, { compact: true, title: movie.title }) }))));
      replaceChildren(pagerSlot, pager({ page: state.page, total, hrefFor: (p) => `/${formatCatalogState({ ...state, page: p })}` }));
      announce(status.textContent);
    } catch (error) {
      if (signal.aborted || (error && error.name === "AbortError")) return;
      status.textContent = "";
      const pastTheEnd = error.status === 404 && state.page > 1;
      replaceChildren(
        results,
        pastTheEnd
          ? emptyState("No such page", `There are fewer pages of results.`, h("a", { class: "button", href: `/${formatCatalogState({ ...state, page: 1 })}` }, "Go to the first page"))
          : errorState(error, { retry: () => load(currentSignal) }),
      );
    }
  }

  function renderRow(signal) {
    const isHome = !state.q && !state.language && !hasFilters(state) && state.page === 1;
    replaceChildren(rowSlot, isHome ? continueRow(signal) : null);
  }

  const node = h(
    "div",
    { class: "page page--catalog" },
    h("section", { class: "hero" }, h("h1", { class: "hero__title" }, "Films to watch tonight"), h("p", { class: "hero__text" }, "Search the catalog, read about the cast, and pick up where you left off.")),
    rowSlot,
    h("section", { class: "catalog", "aria-labelledby": "catalog-title" }, h("h2", { class: "visually-hidden", id: "catalog-title" }, "Catalog"), form, filtersSlot, status, interpreted, results, pagerSlot),
  );

  renderRow(ctx.signal);
  load(ctx.signal);

  return {
    node,
    title: "Catalog",
    update(next) {
      const previous = state;
      state = parseCatalogState(next.url.search);
      currentSignal = next.signal;
      // While the viewer types, the field is theirs; otherwise it follows the URL (back button).
      if (document.activeElement !== input) input.value = state.q;
      select.value = state.language;
      if (previous.page !== state.page) window.scrollTo({ top: 0 });
      renderRow(next.signal);
      load(next.signal);
    },
    destroy() {
      clearTimeout(debounce);
      searchBox.destroy();
    },
  };
}
